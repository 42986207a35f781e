/** The SqlNotificationStore contract (notification-store-contract.ts) on PGlite, as the embedded default opens it. */
import { openPgliteRecordsDatabase } from '../../shared/adapters/pglite/records-database.ts';
import { testSigner } from '../ledger/test-signer.ts';
import { describeNotificationStore } from './notification-store-contract.ts';

describeNotificationStore('notification store on PGlite', {
  skip: false,
  async open() {
    const database = await openPgliteRecordsDatabase({ dataDir: undefined, signer: testSigner() });
    // PGlite has one session: the "other" session is the same one.
    return { executor: database.executor, otherExecutor: database.executor, close: () => database.close() };
  },
});
