/**
 * Keeps the signed checkpoint close behind the journal while the local server runs, so that
 * GET /v1/ledger/checkpoint covers the receipts just handed out (a verifier needs a checkpoint of at
 * least receipt.treeSize). Every `intervalMs` it compares the tree head with the last signed size
 * and, when the tree grew, asks the store for a checkpoint covering it; the store's policy still
 * decides (at most one signature a second by default), and the next round catches up. In AWS a
 * scheduled function does the same.
 */
import type { JournalStore } from '../../shared/ports/journal-store.ts';
import { startPeriodic, type PeriodicTask } from './periodic.ts';

export type Checkpointer = PeriodicTask;

export function startCheckpointer(options: {
  readonly journal: Pick<JournalStore, 'treeHead' | 'checkpoint'>;
  readonly intervalMs: number;
  /** A failed round is reported here and retried next round; it never stops the checkpointer. */
  readonly onError: (error: unknown) => void;
}): Checkpointer {
  let signedSize = -1;
  return startPeriodic({
    intervalMs: options.intervalMs,
    onError: options.onError,
    async run() {
      const head = await options.journal.treeHead();
      if (head.size > signedSize) {
        const signed = await options.journal.checkpoint({ covering: head.size });
        signedSize = signed?.size ?? signedSize;
      }
    },
  });
}
