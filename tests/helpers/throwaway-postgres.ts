import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './child-app.js';
import { createAppDatabase, testDatabaseUrl } from './test-postgres.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface ThrowawayPostgres {
  /** postgres://… for `database` on this cluster. */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL 15 cluster of its own in a temporary folder, on a free port on 127.0.0.1 (never
 * 5432), with fsync off: started in a few seconds, removed by `stop`. PostgreSQL refuses to run as
 * root, so when the tests run as root the cluster runs as the `postgres` user.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(dir, 0o700);
  }
  const as = (command: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]) : run(join(BIN, command), args));
  const port = await freePort();
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  await as('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, '-l', join(dir, 'log'), '-w', 'start']);
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name) {
      await as('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
      return url(name);
    },
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PostgreSQL database for one test, dropped after it: on the PostgreSQL run of the integration
 * tier a fresh (migrated) database on that run's cluster; on the SQLite run a throwaway cluster of
 * the test's own, since these tests are about PostgreSQL itself (its locks, LISTEN/NOTIFY).
 */
export async function postgresDatabaseFor(t: { after(fn: () => Promise<void> | void): void }): Promise<string> {
  const base = testDatabaseUrl();
  if (base) {
    const created = await createAppDatabase(base);
    t.after(() => created.drop());
    return created.url;
  }
  const cluster = await startThrowawayPostgres();
  t.after(() => cluster.stop());
  return cluster.createDatabase('instances');
}
