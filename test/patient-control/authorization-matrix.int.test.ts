/** The authorization matrix (authorization-matrix.ts) on PostgreSQL: a database of its own, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl } from '../support/services.ts';
import { describeAuthorizationMatrix } from './authorization-matrix.ts';

const databaseUrl = testDatabaseUrl();
const databaseName = `chartproof_matrix_${randomBytes(6).toString('hex')}`;

async function superuser(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describeAuthorizationMatrix('authorization matrix, PostgreSQL', {
  skip: databaseUrl === undefined,
  async config(dataDir) {
    await superuser(`CREATE DATABASE ${databaseName}`);
    // The same server and user, another database (the URL's host may be empty, with ?host=socket).
    const url = (databaseUrl ?? '').replace(/^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?/, `$1/${databaseName}`);
    return { dataDir, origin: 'chartproof.test/journal', logLevel: 'SILENT', databaseUrl: url, poolSize: 4 };
  },
  cleanUp: () => superuser(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`),
});
