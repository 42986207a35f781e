/**
 * The outbox relay job's composition root (functions/jobs/relay-outbox.ts): a database pool for
 * the outbox (and the notifier ledger it prunes) and an EventBridge publisher, nothing of the
 * API's (no KMS, no journal signer).
 *
 * Environment: the shared database and Powertools variables (environment.ts), and
 *   CHARTPROOF_EVENT_BUS_NAME   the bus the events go to
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type * as z from 'zod';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge-publisher.ts';
import { iamAuthTokenProvider } from '../../shared/adapters/postgres/iam-auth-token.ts';
import { openPostgresPool } from '../../shared/adapters/postgres/pool.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { SqlOutbox } from '../../shared/adapters/sql/outbox.ts';
import { createLogger } from '../http/observability.ts';
import type { RelayJobDeps } from '../jobs/relay-outbox.ts';
import { BaseEnvSchema, parseEnvironment, required } from './environment.ts';

export const RelayEnvSchema = BaseEnvSchema.extend({ CHARTPROOF_EVENT_BUS_NAME: required });

export type RelayConfig = z.infer<typeof RelayEnvSchema>;

export function relayConfigFromEnv(env: Record<string, string | undefined> = process.env): RelayConfig {
  return parseEnvironment(RelayEnvSchema, env);
}

/** Builds the relay's dependencies from `config`; `eventBridge` defaults to the Lambda role's client in the region. */
export function composeRelay(config: RelayConfig, eventBridge?: EventBridgeClient): RelayJobDeps {
  const region = config.AWS_REGION;
  const executor = openPostgresPool({
    url: config.DATABASE_URL,
    // One claim, publish and mark at a time.
    maxConnections: config.CHARTPROOF_DATABASE_POOL_SIZE ?? 1,
    ...(config.CHARTPROOF_DATABASE_IAM_AUTH === 'true' ? { password: iamAuthTokenProvider({ url: config.DATABASE_URL, region }) } : {}),
  });
  return {
    outbox: new SqlOutbox({ executor }),
    notifierLedger: new SqlNotificationStore(executor),
    publisher: new EventBridgePublisher({ client: eventBridge ?? new EventBridgeClient({ region }), eventBusName: config.CHARTPROOF_EVENT_BUS_NAME }),
    log: createLogger({ serviceName: config.POWERTOOLS_SERVICE_NAME ?? 'chartproof', logLevel: config.POWERTOOLS_LOG_LEVEL ?? 'INFO' }),
  };
}

let shared: RelayJobDeps | undefined;

/** The process's one composition, built on first use. */
export function awsRelayDeps(): RelayJobDeps {
  shared ??= composeRelay(relayConfigFromEnv());
  return shared;
}
