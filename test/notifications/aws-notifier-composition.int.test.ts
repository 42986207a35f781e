/**
 * The notifier as deployed (functions/aws/compose-notifier.ts): the composition over PostgreSQL
 * (SqlNotificationStore, as the runtime role) and SES v2 / SNS on moto_server. A patient's saved
 * preferences decide the channels; a second composition (another Lambda instance, a cold start)
 * handling the redelivered batch sends nothing again, because the ledger is the database's.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeNotifier, notifierConfigFromEnv } from '../../functions/aws/compose-notifier.ts';
import { makeNotifierHandler } from '../../functions/jobs/notify.ts';
import { openPostgresRecordsDatabase } from '../../shared/adapters/postgres/records-database.ts';
import { SqlNotificationStore } from '../../shared/adapters/sql/notification-store.ts';
import { DEFAULT_JOURNAL_ROLES } from '../../shared/adapters/sql/roles.ts';
import type { DomainEvent } from '../../shared/events/domain-event.ts';
import { anEvent } from '../events/fixtures.ts';
import { sqsEvent } from '../jobs/sqs-event.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { createEmptyDatabase } from '../support/journal-databases.ts';
import { testAwsEndpoint, testDatabaseUrl } from '../support/services.ts';
import { motoModels, motoSes, motoSns } from './moto-notification-clients.ts';

const superuserUrl = testDatabaseUrl();
const endpoint = testAwsEndpoint();

describe.skipIf(!superuserUrl || !endpoint)('the AWS notifier composition on PostgreSQL and moto_server', () => {
  let url: string;
  let drop: () => Promise<void>;
  const clients = {
    ses: motoSes(endpoint ?? ''),
    sns: motoSns(endpoint ?? ''),
    // No webhook sender is configured here, so nothing is invoked.
    lambda: new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  };

  beforeAll(async () => {
    ({ url, drop } = await createEmptyDatabase(superuserUrl ?? '', 'chartproof_notifier'));
    const migrated = await openPostgresRecordsDatabase({ url, migrate: true, runtimeRole: undefined, maxConnections: 1, signer: testSigner() });
    await migrated.close();
  });

  afterAll(async () => {
    await drop?.();
  });

  it("sends on the patient's saved channels, and a second instance sends nothing for the redelivered batch", async () => {
    // Prepare: a patient with saved preferences, as the preferences route stores them
    const runtimeUrl = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c role=${DEFAULT_JOURNAL_ROLES.runtime}`)}`;
    const setup = await openPostgresRecordsDatabase({ url: runtimeUrl, migrate: false, runtimeRole: undefined, maxConnections: 1, signer: testSigner() });
    const patientId = randomUUID();
    const email = `pat-${randomUUID()}@example.org`;
    const phone = `+1415${String(randomInt(10_000_000)).padStart(7, '0')}`;
    try {
      await setup.executor.withSession((session) =>
        session.query(`INSERT INTO chartproof.patients (patient_id, wrapped_key, registered_at, leaf_hash) VALUES ($1::uuid, '\\x00'::bytea, now(), $2::bytea)`, [
          patientId,
          createHash('sha256').update(patientId).digest(),
        ]),
      );
      const saved = await new SqlNotificationStore(setup.executor).save(patientId, { channels: [{ type: 'email', address: email }, { type: 'sms', address: phone }], mode: 'immediate' });
      expect(saved).toBe('saved');
    } finally {
      await setup.close();
    }
    const fromAddress = `alerts-${randomUUID()}@hospital.example`;
    await clients.ses.send(new CreateEmailIdentityCommand({ EmailIdentity: fromAddress }));
    const config = notifierConfigFromEnv({
      DATABASE_URL: runtimeUrl,
      AWS_REGION: 'us-east-1',
      CHARTPROOF_ACCESS_LOG_BASE_URL: 'https://api.example.org/test/',
      CHARTPROOF_EMAIL_SENDER: fromAddress,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    // Events of now: the composition's notifier runs on the real clock and drops events a month old.
    const at = new Date().toISOString();
    const events: DomainEvent[] = [
      anEvent({ patientId, at, type: 'access.break-glass', actor: { id: 'dr-a', role: 'practitioner' } }),
      anEvent({ patientId, at, type: 'access.denied', actor: { id: 'dr-b', role: 'practitioner' }, action: 'record.read', reason: 'no-consent' }),
    ];
    const batch = sqsEvent(events.map((event, i) => [`m${i}`, JSON.stringify({ source: 'chartproof', 'detail-type': event.type, detail: event })] as const));
    const sent = async () => ({
      emails: (await motoModels<{ source: string; destinations: { ToAddresses?: string[] } }>(endpoint ?? '', 'ses', 'Message')).filter((m) => m.destinations.ToAddresses?.includes(email)).length,
      sms: (await motoModels<{ phone_number: string }>(endpoint ?? '', 'sns', 'SMS')).filter((m) => m.phone_number === phone).length,
    });

    // Act
    const first = await makeNotifierHandler(await composeNotifier(config, clients))(batch);
    const afterFirst = await sent();
    const again = await makeNotifierHandler(await composeNotifier(config, clients))(batch);

    // Assess
    expect({ first, afterFirst, again, afterAgain: await sent() }).toEqual({
      first: { batchItemFailures: [] },
      afterFirst: { emails: 2, sms: 2 },
      again: { batchItemFailures: [] },
      afterAgain: { emails: 2, sms: 2 },
    });
  });
});
