import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSharedDatabase, exportJson, TEST_KEY, waitForCompletion, type SharedDatabase } from '../helpers/test-app.js';
import { openTestDatabase } from '../helpers/test-database.js';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';
import { freePort, startChildApp, type ChildApp } from '../helpers/child-app.js';
import { newFile, sleep, uploadHashes } from '../helpers/factories.js';
import { assertRowMatchesFake, fileKey } from '../helpers/fake-answers.js';
import { mulberry32 } from '../../scripts/vt-simulator/prng.js';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';

const KILLS = 10;
/** Below this many jobs left at a kill, more is uploaded, so every kill lands on work in flight. */
const TOP_UP_BELOW = 60;
const random = mulberry32(20_261_121);

/** `bytes` bytes of hex from the seeded PRNG: the hashes, and so the fake's verdicts, repeat run after run. */
const seededHex = (bytes: number) => Array.from({ length: bytes }, () => Math.floor(random() * 256).toString(16).padStart(2, '0')).join('');
const unseenHashes = (n: number) => Array.from({ length: n }, (_, i) => seededHex([16, 20, 32][i % 3]!));

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The lookup queue as the killed process left it in the database. */
async function jobsOnDisk(database: SharedDatabase): Promise<{ leased: string[]; left: number }> {
  const db = openTestDatabase(database.databaseUrl ?? database.databasePath);
  try {
    const leased = await db.rows<{ hash: string }>("SELECT hash FROM lookup_jobs WHERE state = 'leased'");
    const left = (await db.row<{ n: number }>('SELECT count(*) AS n FROM lookup_jobs'))?.n ?? -1;
    return { leased: leased.map((r) => r.hash), left };
  } finally {
    await db.close();
  }
}

/** Calls VirusTotal answered (and charged for), per file: injected faults and 429s are not answers. */
function answersPerFile(sim: VtSimulator): Map<string, string[]> {
  const answers = new Map<string, string[]>();
  for (const call of sim.calls) {
    if (call.hash === undefined || call.fault || call.quotaRejected) continue;
    const key = fileKey(sim, call.hash);
    answers.set(key, [...(answers.get(key) ?? []), call.hash]);
  }
  return answers;
}

test('when the app is killed ten times mid-lookup, then every row gets exactly one answer and only lookups in flight at a kill are asked twice', async (t) => {
  // Arrange: the app may send 60 a 1 s "minute" and each answer takes 100 ms, so work is under way at every kill.
  const sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 60, perDay: 100_000 } }, minuteMs: 1000, generate: true });
  t.after(() => sim.close());
  sim.setLatency(100);
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-crashes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const database = await createSharedDatabase(dir);
  t.after(() => database.release());
  // One port throughout, so the users' session cookies work on every restarted process.
  const port = await freePort();
  const start = () => startChildApp(database.databasePath, sim.url, { port, env: { ...database.databaseEnv, VT_RATE_PER_MINUTE: '60' } });
  let child: ChildApp = await start();
  t.after(() => child.kill());
  const users = [new HttpClient(child.url), new HttpClient(child.url), new HttpClient(child.url)];
  for (const user of users) assert.equal((await user.register(uniqueEmail('crash'))).status, 303);
  const uploads: { client: HttpClient; id: string; hashes: string[] }[] = [];
  const upload = async (client: HttpClient, hashes: string[]) => {
    uploads.push({ client, id: await uploadHashes(client, hashes), hashes });
  };
  // Files the fake knows by all three hashes, so one report can name a file by MD5 and another by SHA-256.
  const aliased = Array.from({ length: 10 }, (_, i) => newFile(sim, i % 2 ? { malicious: 0 } : {}));
  const shared = unseenHashes(10);
  await upload(users[0]!, shuffled([...unseenHashes(40), ...shared, ...aliased.map((f) => f.md5)]));
  await upload(users[1]!, shuffled([...unseenHashes(40), ...shared, ...aliased.map((f) => f.sha256)]));
  await upload(users[2]!, unseenHashes(40));

  // Act
  const kills: { leased: string[]; left: number }[] = [];
  for (let i = 0; i < KILLS; i++) {
    await sleep(50 + Math.floor(random() * 650));
    await child.kill();
    const onDisk = await jobsOnDisk(database);
    kills.push(onDisk);
    child = await start();
    if (onDisk.left < TOP_UP_BELOW) await upload(users[i % users.length]!, unseenHashes(40));
  }
  for (const { client, id } of uploads) await waitForCompletion(client, id, 30_000);
  const reports = await Promise.all(uploads.map(({ client, id }) => exportJson(client, id)));

  // Assert
  assert.ok(kills.filter((k) => k.leased.length > 0).length >= KILLS / 2, `leased at each kill: ${kills.map((k) => k.leased.length).join(', ')}`);
  assert.ok(kills.every((k) => k.left > 0), `jobs left at each kill: ${kills.map((k) => k.left).join(', ')}`);
  for (const [i, report] of reports.entries()) {
    assert.equal(report.status, 'completed');
    assert.deepEqual(report.items.map((item) => item.input), uploads[i]!.hashes, 'one row per uploaded line, none twice');
    for (const item of report.items) assertRowMatchesFake(sim, item);
  }
  assert.equal((await jobsOnDisk(database)).left, 0, 'nothing is left queued or leased');
  assert.equal(sim.quotaRejections(), 0, 'restarts never made the app forget calls it had sent');

  const files = new Set(uploads.flatMap((u) => u.hashes).map((h) => fileKey(sim, h)));
  const answers = answersPerFile(sim);
  const leasedAtKills = kills.map((k) => new Set(k.leased.map((h) => fileKey(sim, h))));
  const repeats = [...files].map((file) => {
    const hashes = answers.get(file) ?? [];
    return { file, hashes, lostAtKills: leasedAtKills.filter((leased) => leased.has(file)).length };
  });
  assert.deepEqual(repeats.filter((r) => r.hashes.length === 0), [], 'every file was asked for');
  const unexplained = repeats.filter((r) => r.hashes.length - 1 > r.lostAtKills);
  assert.deepEqual(unexplained, [], 'a file asked for more often than kills caught it in flight');
  const extra = repeats.reduce((n, r) => n + r.hashes.length - 1, 0);
  const leasedTotal = kills.reduce((n, k) => n + k.leased.length, 0);
  assert.ok(extra <= leasedTotal, `${extra} repeated calls, ${leasedTotal} lookups in flight at kills`);
});
