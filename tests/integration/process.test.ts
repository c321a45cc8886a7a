import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import SQLite from 'better-sqlite3';

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

test('when the process gets SIGTERM, then it stops serving, closes the database and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-proc-'));
  const file = join(dir, 'app.sqlite');
  const { child, output } = startMain({ PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: file });
  await waitForOutput(output, /Hash Report is listening/);
  const url = /"url":"([^"]+)"/.exec(output())?.[1] ?? '';
  assert.equal((await fetch(`${url}/login`)).status, 200);

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output());
  assert.match(output(), /shutting down/);
  await assert.rejects(fetch(`${url}/login`));
  // A cleanly closed WAL database has been checkpointed: it opens and holds the migrated schema.
  const db = new SQLite(file, { readonly: true });
  assert.ok(db.prepare("SELECT name FROM sqlite_master WHERE name = 'report_items'").get());
  db.close();
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
