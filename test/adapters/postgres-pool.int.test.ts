import { describe, expect, it } from 'vitest';
import { openPostgresPool } from '../../shared/adapters/postgres/pool.ts';
import { testDatabaseUrl } from '../support/services.ts';

const url = testDatabaseUrl();

describe.skipIf(!url)('openPostgresPool against PostgreSQL', () => {
  // (The password function is not exercised: the test server trusts local connections and never asks for one.)
  it('runs sessions on at most maxConnections connections, reusing them', async () => {
    const executor = openPostgresPool({ url: url ?? '', maxConnections: 2 });
    try {
      const pids = await Promise.all(
        [1, 2, 3, 4].map(() => executor.withSession(async (session) => (await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)'))[0]?.pid)),
      );

      expect({ sessions: pids.length, connections: new Set(pids).size }).toEqual({ sessions: 4, connections: 2 });
    } finally {
      await executor.close();
    }
  });
});
