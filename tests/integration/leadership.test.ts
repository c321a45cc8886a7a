import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { waitFor } from '../helpers/test-app.js';
import { postgresDatabaseFor } from '../helpers/throwaway-postgres.js';
import { DISPATCHER_LOCK_KEY } from '../../src/shared/advisory-leadership.js';

// The dispatcher election on a real PostgreSQL: several processes contend for one advisory lock; the
// holder leads, and when it dies or its connection drops another leads within about a second.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const RETRY_MS = 200;

interface Contender {
  name: string;
  process: ChildProcess;
  lines: string[];
  leads(): boolean;
  wake(topic: string): void;
  kill(): Promise<void>;
}

/** A process that does only what an app instance does for the election: real module, real connection. */
async function contender(dir: string, url: string, name: string): Promise<Contender> {
  const script = join(dir, 'contender.mjs');
  writeFileSync(
    script,
    `const { advisoryLeadership } = await import(${JSON.stringify(new URL('../../src/shared/advisory-leadership.ts', import.meta.url).href)});
const { createLogger } = await import(${JSON.stringify(new URL('../../src/shared/logger.ts', import.meta.url).href)});
const leadership = advisoryLeadership({ connectionString: process.env.DATABASE_URL, logger: createLogger('silent'), retryMs: ${RETRY_MS} });
leadership.onWake((topic) => process.stdout.write('WAKE ' + topic + '\\n'));
await leadership.start((leader) => process.stdout.write((leader ? 'LEADER' : 'FOLLOWER') + '\\n'));
process.stdout.write('STARTED\\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => { for (const line of text.split('\\n')) if (line.startsWith('wake ')) leadership.wakeLeader(line.slice(5)); });
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', DATABASE_URL: url }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(async () => lines.includes('STARTED'), `${name} to start`, 15_000);
  return {
    name,
    process: child,
    lines,
    leads: () => lines.filter((l) => l === 'LEADER' || l === 'FOLLOWER').at(-1) === 'LEADER',
    wake: (topic) => child.stdin?.write(`wake ${topic}\n`),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function lockHolders(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [DISPATCHER_LOCK_KEY]);
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

/** Several election rounds pass (each contender tried the lock again): the leadership has settled. */
async function settled(contenders: Contender[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 3));
  for (const c of contenders) assert.ok(c.process.exitCode === null, `${c.name} is alive`);
}

/** A fresh cluster and database, and one contender process per name, all cleaned up after the test. */
async function election(t: TestContext, names: string[]): Promise<{ url: string; all: Contender[] }> {
  const url = await postgresDatabaseFor(t);
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-leaders-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const all: Contender[] = [];
  t.after(() => Promise.all(all.map((c) => c.kill())));
  for (const name of names) all.push(await contender(dir, url, name));
  return { url, all };
}

test('when the leading process is killed, then another leads within seconds, one at a time, and followers wake whoever leads', async (t) => {
  // Arrange
  const { url, all } = await election(t, ['a', 'b', 'c']);
  const first = await waitFor(async () => all.find((c) => c.leads()), 'a leader');
  await settled(all);
  const leadersAtStart = all.filter((c) => c.leads()).map((c) => c.name);
  const follower = all.find((c) => c !== first);
  follower?.wake('lookups');
  await waitFor(async () => first.lines.includes('WAKE lookups'), 'the leader to hear the wake');

  // Act
  const killedAt = Date.now();
  await first.kill();
  const rest = all.filter((c) => c !== first);
  const second = await waitFor(async () => rest.find((c) => c.leads()), 'another leader', 5000);
  const takeoverMs = Date.now() - killedAt;
  await settled(rest);
  const leadersAfter = rest.filter((c) => c.leads()).map((c) => c.name);
  const last = rest.find((c) => c !== second);
  last?.wake('email');
  await waitFor(async () => second.lines.includes('WAKE email'), 'the new leader to hear the wake');
  await second.kill();
  const third = await waitFor(async () => (last?.leads() ? last : null), 'the last one to lead', 5000);

  // Assert
  t.diagnostic(`took over ${takeoverMs} ms after the leader was killed`);
  assert.deepEqual(leadersAtStart, [first.name], 'one leader among three');
  assert.deepEqual(leadersAfter, [second.name], 'one leader among the two left');
  assert.ok(takeoverMs < 3000, `took over in ${takeoverMs} ms`);
  assert.equal(third, last);
  assert.equal(await lockHolders(url), 1);
});

test('when the leader loses its database connection, then it steps down at once and the lock is taken again by exactly one', async (t) => {
  // Arrange
  const { url, all } = await election(t, ['a', 'b']);
  const first = await waitFor(async () => all.find((c) => c.leads()), 'a leader');
  const other = all.find((c) => c !== first);

  // Act: PostgreSQL ends the session that holds the lock, as when a network cut or a restart drops it
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted",
    [DISPATCHER_LOCK_KEY],
  );
  await admin.end();
  await waitFor(async () => first.lines.includes('FOLLOWER'), 'the old leader to step down', 5000);
  await waitFor(async () => all.some((c) => c.leads()), 'a leader again', 5000);
  await settled(all);

  // Assert: whichever won the lock leads (the old leader reconnects and contends like anyone else)
  assert.equal(all.filter((c) => c.leads()).length, 1, `leading: ${all.filter((c) => c.leads()).map((c) => c.name).join(', ')}`);
  assert.equal(await lockHolders(url), 1);
  assert.ok(other, 'two contenders');
});
