/**
 * The outbox relay Lambda (ARCHITECTURE.md D4), run every minute by a schedule: what the local
 * server's relay timer does. Publishes the domain events their writers did not (the bus refused
 * them, or the writer's process died or froze between commit and publish), with backoff per event,
 * and prunes events published longer ago than the retention, and the notifier ledger's rows past
 * theirs. Any number may run at once: claims are leased.
 */
import { relayOutbox, type OutboxRelayDeps, type RelayRun } from '../../shared/events/outbox-relay.ts';
import { jobHandler, type JobLog } from '../aws/job-handler.ts';

export type RelayJobDeps = OutboxRelayDeps & { readonly log: JobLog };

export function makeRelayHandler(deps: RelayJobDeps): (event: unknown) => Promise<RelayRun> {
  return async () => {
    const run = await relayOutbox(deps);
    // Counts only: each failure's reason (the bus's error code) is kept with its item in the outbox.
    if (run.failed > 0) deps.log.warn('outbox relay run', { ...run });
    else deps.log.info('outbox relay run', { ...run });
    return run;
  };
}

export const handler = jobHandler(makeRelayHandler, async () => (await import('../aws/compose-relay.ts')).awsRelayDeps());
