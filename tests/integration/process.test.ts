import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createSharedDatabase } from '../helpers/test-app.js';
import { openTestDatabase, tableNames } from '../helpers/test-database.js';

const root = new URL('../../', import.meta.url);

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function waitForOutput(read: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('when the process gets SIGTERM, then it stops serving, closes the database and exits 0 (and never prints the database password)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-proc-'));
  const database = await createSharedDatabase(dir);
  // On PostgreSQL the URL carries a password (the test cluster trusts loopback, so any will do) that must never be printed.
  const env = { ...database.databaseEnv };
  if (database.databaseUrl) {
    const url = new URL(database.databaseUrl);
    url.password = 'canary-password-7f3a';
    env.DATABASE_URL = url.toString();
  }
  const { child, output } = startMain({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...env });
  await waitForOutput(output, /Hash Report is listening/);
  const url = /"url":"([^"]+)"/.exec(output())?.[1] ?? '';
  assert.equal((await fetch(`${url}/login`)).status, 200);

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output());
  assert.match(output(), /shutting down/);
  await assert.rejects(fetch(`${url}/login`));
  assert.doesNotMatch(output(), /canary-password/);
  // A cleanly closed database (on SQLite, a checkpointed WAL) opens and holds the migrated schema.
  const db = openTestDatabase(database.databaseUrl ?? database.databasePath);
  assert.ok((await tableNames(db)).includes('report_items'));
  await db.close();
  await database.release();
  rmSync(dir, { recursive: true, force: true });
});

test('when a setting is invalid, then the app refuses to start and names every bad key', async () => {
  const { child, output } = startMain({ PORT: 'eighty', VT_RATE_PER_DAY: '-1', DATABASE_PATH: join(tmpdir(), 'never-created.sqlite') });
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(output(), /Invalid configuration/);
  assert.match(output(), /PORT/);
  assert.match(output(), /VT_RATE_PER_DAY/);
});

test('when the app trusts a proxy while listening on every interface, then start-up warns that forwarded addresses can be forged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-proc-'));
  const { child, output } = startMain({ PORT: '0', HOST: '0.0.0.0', APP_URL: 'https://reports.example.test', DATABASE_PATH: join(dir, 'app.sqlite') });
  await waitForOutput(output, /Hash Report is listening/);
  await waitForOutput(output, /TRUST_PROXY trusts forwarded addresses while the app listens on 0\.0\.0\.0/);

  child.kill('SIGTERM');
  await once(child, 'exit');
  rmSync(dir, { recursive: true, force: true });
});
