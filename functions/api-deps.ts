/**
 * What a composition root (functions/local/compose.ts, functions/aws/compose.ts) builds once per
 * process and every handler module's `makeHandler` takes: the HTTP chain's observability and the
 * ports the use cases run over.
 */
import type { HttpDeps } from './http/chain.ts';
import type { JournalStore } from '../shared/ports/journal-store.ts';
import type { PreferencesDeps } from '../shared/notifications/preferences-deps.ts';
import type { RecordsDeps } from '../shared/records/records-deps.ts';

export type ApiDeps = HttpDeps & {
  /** The record and patient use cases' ports. */
  readonly records: RecordsDeps;
  /** The journal, for the ledger routes (proofs, checkpoints). */
  readonly journal: Pick<JournalStore, 'entry' | 'treeHead' | 'latestCheckpoint' | 'checkpoint' | 'consistencyProof' | 'indexesOfLeaves'>;
  /** The notification-preferences routes' store, and which webhook hosts they accept (local: any; AWS: public only). */
  readonly notifications: Pick<PreferencesDeps, 'preferences' | 'webhookPolicy'>;
  /**
   * Domain events (ARCHITECTURE.md D4) are published right after each journal write commits;
   * `idle` resolves once those of the writes so far are published or left to the outbox relay (a
   * Lambda invocation waits for it, briefly, before it returns and the process freezes).
   */
  readonly events: { idle(): Promise<void> };
  /** The checkpoint signer's verifier key (C2SP vkey). */
  readonly vkey: string;
  /** setTimeout as a promise; the ledger entry route waits with it for a covering checkpoint. */
  readonly sleep: (ms: number) => Promise<void>;
};

/** A key cache in front of the vault: one unwrap serves a burst of requests (ARCHITECTURE.md D2). */
export const PATIENT_KEY_CACHE = { maxAgeMs: 5 * 60_000, maxUses: 10_000, maxEntries: 1_000 } as const;

/** Registered patients as writes need them; erasure is still checked by each write's transaction. */
export const PATIENT_ROW_CACHE = { maxAgeMs: 30_000, maxEntries: 10_000 } as const;
