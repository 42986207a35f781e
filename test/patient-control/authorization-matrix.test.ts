/** The authorization matrix (authorization-matrix.ts) on the embedded defaults: PGlite, files, local keys. */
import { describeAuthorizationMatrix } from './authorization-matrix.ts';

describeAuthorizationMatrix('authorization matrix, embedded (PGlite)', {
  skip: false,
  config: async (dataDir) => ({ dataDir, origin: 'chartproof.test/journal', logLevel: 'SILENT' }),
});
