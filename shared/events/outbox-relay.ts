/**
 * The outbox relay (ARCHITECTURE.md D4): publishes every event its writer did not (the bus was
 * down, the process died between commit and publish), with exponential backoff per item, and
 * prunes items published longer ago than the retention. Runs on a schedule in AWS and on a timer
 * locally; any number of relays may run at once (claims are leased).
 *
 * Given the notifier's ledger, it prunes that too: what the notifier keeps per event (seen events,
 * confirmed deliveries) grows with every event, and only a scheduled job may forget it.
 */
import { NOTIFIER_LEDGER_RETENTION_MS } from '../notifications/notify.ts';
import type { NotificationLedgerPruning } from '../ports/notifications.ts';
import { deliverOutboxItems, type OutboxDeliveryDeps } from './outbox-delivery.ts';

export type OutboxRelaySettings = {
  /** Items per claim (and so per publish call). */
  readonly batchSize: number;
  /** At most this many claims per run, so that one run ends. */
  readonly maxBatches: number;
  /** How long a claim keeps other relays off its items: longer than a publish can take. */
  readonly leaseMs: number;
  /** How long a fresh item is left to its writer, which publishes it right after commit. */
  readonly freshGraceMs: number;
  /** Published items are kept this long (for inspection), then pruned. */
  readonly retentionMs: number;
};

export const DEFAULT_RELAY_SETTINGS: OutboxRelaySettings = {
  batchSize: 100,
  maxBatches: 50,
  leaseMs: 60_000,
  freshGraceMs: 10_000,
  retentionMs: 7 * 24 * 3_600_000,
};

export type RelayRun = {
  readonly published: number;
  readonly failed: number;
  readonly pruned: number;
  /** Notifier ledger rows pruned, when the relay was given the ledger. */
  readonly ledgerPruned?: number;
};

export type OutboxRelayDeps = OutboxDeliveryDeps & {
  readonly settings?: Partial<OutboxRelaySettings>;
  /** The notifier's ledger, where the notifier's database is the outbox's. */
  readonly notifierLedger?: NotificationLedgerPruning;
};

/** One relay run: claims due items batch by batch until none is left (or maxBatches), then prunes. */
export async function relayOutbox(deps: OutboxRelayDeps): Promise<RelayRun> {
  const settings = { ...DEFAULT_RELAY_SETTINGS, ...deps.settings };
  let published = 0;
  let failed = 0;
  for (let batch = 0; batch < settings.maxBatches; batch += 1) {
    const items = await deps.outbox.claimDue({ limit: settings.batchSize, leaseMs: settings.leaseMs, freshGraceMs: settings.freshGraceMs });
    if (items.length === 0) break;
    const counts = await deliverOutboxItems(deps, items);
    published += counts.published;
    failed += counts.failed;
    // A batch that failed whole means the bus is down: stop, the backoff decides when to try again.
    if (counts.published === 0) break;
  }
  const pruned = await deps.outbox.prunePublished({ olderThanMs: settings.retentionMs, limit: 10 * settings.batchSize });
  if (deps.notifierLedger === undefined) return { published, failed, pruned };
  const ledgerPruned = await deps.notifierLedger.pruneLedger({ olderThanMs: NOTIFIER_LEDGER_RETENTION_MS, limit: 10 * settings.batchSize });
  return { published, failed, pruned, ledgerPruned };
}
