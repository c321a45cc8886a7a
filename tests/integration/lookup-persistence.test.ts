import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSharedDatabase, exportJson, reportStatus, sameDatabase, startTestApp, TEST_KEY, waitFor, waitForCompletion, appIdle } from '../helpers/test-app.js';
import { openTestDatabase, type SqlParam } from '../helpers/test-database.js';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';
import { startChildApp } from '../helpers/child-app.js';
import { newFile, signedIn, sleep, uploadHashes } from '../helpers/factories.js';
import { evictExpiredCache } from '../../src/lookups/cache-eviction.js';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const DAY_MS = 86_400_000;
/** How the fake describes every file made here: 4 detections, Fortinet's among them. */
const DETECTED = { malicious: 4, fortinet: 'W32/Agent.QQ!tr' };

/** Reads the database on a connection of its own, as an operator would: the state at this moment. */
async function inspect(target: { databasePath: string; databaseUrl: string | null }, cacheKey = '') {
  const db = openTestDatabase(target.databaseUrl ?? target.databasePath);
  const count = async (query: string, ...params: SqlParam[]) => (await db.row<{ n: number }>(query, ...params))?.n ?? -1;
  try {
    return {
      cacheEntries: await count('SELECT count(*) AS n FROM cache_entries WHERE key = ?', cacheKey),
      cacheAliases: await count('SELECT count(*) AS n FROM cache_aliases WHERE entry_key = ?', cacheKey),
      jobs: await count('SELECT count(*) AS n FROM lookup_jobs'),
      leased: await count("SELECT count(*) AS n FROM lookup_jobs WHERE state = 'leased'"),
    };
  } finally {
    await db.close();
  }
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cache eviction', () => {
  test('when the cache is evicted, then old reports keep their answers and a new upload asks VirusTotal again', async (t) => {
    // Arrange
    const app = await startTestApp();
    t.after(() => app.stop());
    const client = await signedIn(app);
    const file = newFile(app.sim, DETECTED);
    const old = await uploadHashes(client, [file.md5]);
    await waitForCompletion(client, old);
    const before = await exportJson(client, old);
    assert.equal((await inspect(app, file.sha256)).cacheEntries, 1);

    // Act
    const evicted = await evictExpiredCache(app.runtime.database.db, DAY_MS, Date.now() + DAY_MS + 1);
    const afterEviction = (await inspect(app, file.sha256));
    const again = await uploadHashes(client, [file.md5]);
    const statusAtUpload = await reportStatus(client, again);
    await waitForCompletion(client, again);

    // Assert
    assert.equal(evicted, 1);
    assert.deepEqual([afterEviction.cacheEntries, afterEviction.cacheAliases], [0, 0]);
    assert.deepEqual(await exportJson(client, old), before, 'eviction changes no report');
    assert.notEqual(statusAtUpload.status, 'completed', 'nothing was answered from the evicted cache');
    const [item] = (await exportJson(client, again)).items;
    assert.equal(item?.fromCache, false);
    assert.equal(item?.malicious, 4);
    assert.equal(app.sim.callsFor(file.md5), 2);
  });

  test('when CACHE_TTL_HOURS is tiny, then housekeeping evicts the answer and the next upload asks VirusTotal again', async (t) => {
    // Arrange: 0.0003 h ≈ 1.1 s; housekeeping every 200 ms instead of hourly
    const app = await startTestApp({ env: { CACHE_TTL_HOURS: '0.0003' }, tuning: { evictEveryMs: 200 } });
    t.after(() => app.stop());
    const client = await signedIn(app);
    const file = newFile(app.sim, DETECTED);
    const old = await uploadHashes(client, [file.sha256]);
    await waitForCompletion(client, old);
    const before = await exportJson(client, old);

    // Act
    const evicted = await waitFor(async () => {
      const state = (await inspect(app, file.sha256));
      return state.cacheEntries === 0 ? state : null;
    }, 'housekeeping to evict the entry', 5000);
    const again = await uploadHashes(client, [file.sha256]);
    await waitForCompletion(client, again);

    // Assert
    assert.equal(evicted.cacheAliases, 0, 'the aliases go with the entry');
    assert.deepEqual(await exportJson(client, old), before);
    assert.equal((await exportJson(client, again)).items[0]?.fromCache, false);
    assert.equal(app.sim.callsFor(file.sha256), 2);
  });

  test('when `npm run evict-cache` runs, then answers older than CACHE_TTL_HOURS are deleted and the next upload asks again', async (t) => {
    // Arrange
    const app = await startTestApp();
    t.after(() => app.stop());
    const client = await signedIn(app);
    const file = newFile(app.sim, DETECTED);
    const old = await uploadHashes(client, [file.sha1]);
    await waitForCompletion(client, old);
    const before = await exportJson(client, old);
    await sleep(400);

    // Act: 0.0001 h = 360 ms, so the answer above is stale for the script
    const result = await run('npm', ['run', '--silent', 'evict-cache'], { ...app.databaseEnv, CACHE_TTL_HOURS: '0.0001' });
    const state = (await inspect(app, file.sha256));
    const again = await uploadHashes(client, [file.sha1]);
    await waitForCompletion(client, again);

    // Assert
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /evicted 1 cache entry\b/);
    assert.equal(state.cacheEntries, 0);
    assert.equal(state.cacheAliases, 0);
    assert.deepEqual(await exportJson(client, old), before);
    assert.equal(app.sim.callsFor(file.sha1), 2);
  });

  test('when `npm run evict-cache` runs with the default TTL, then a fresh answer stays', async (t) => {
    // Arrange
    const app = await startTestApp();
    t.after(() => app.stop());
    const client = await signedIn(app);
    const file = newFile(app.sim, DETECTED);
    await waitForCompletion(client, await uploadHashes(client, [file.md5]));

    // Act
    const result = await run('npm', ['run', '--silent', 'evict-cache'], { ...app.databaseEnv, CACHE_TTL_HOURS: '' });
    const again = await uploadHashes(client, [file.md5]);

    // Assert
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /evicted 0 cache entries/);
    assert.equal((await inspect(app, file.sha256)).cacheEntries, 1);
    assert.equal((await reportStatus(client, again)).status, 'completed');
    assert.equal(app.sim.callsFor(file.md5), 1);
  });
});

describe('restarts', () => {
  let sim: VtSimulator;
  before(async () => {
    sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 1000, perDay: 100_000 } }, minuteMs: 1000 });
  });
  after(async () => {
    await sim?.close();
  });

  test('when the app is stopped while lookups are in flight, then the leases are returned and a restarted app completes the report', async (t) => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'hash-report-restart-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const shared = await createSharedDatabase(dir);
    t.after(() => shared.release());
    const files = [newFile(sim, DETECTED), newFile(sim, DETECTED), newFile(sim, DETECTED)];
    const first = await startTestApp({ ...sameDatabase(shared), sim, tuning: { shutdownGraceMs: 50 } });
    t.after(() => first.stop());
    const email = uniqueEmail('restart');
    const client = await signedIn(first, email);
    sim.setLatency(1500);
    t.after(() => sim.setLatency(0));
    const id = await uploadHashes(client, files.map((f) => f.md5));
    await waitFor(async () => sim.calls.filter((c) => c.status === 0).length >= 3, 'three lookups in flight', 5000);

    // Act
    await first.stopApp();
    const afterStop = await inspect(shared);
    sim.setLatency(0);
    const second = await startTestApp({ ...sameDatabase(shared), sim });
    t.after(() => second.stop());
    const again = second.client();
    assert.equal((await again.login(email)).status, 303);
    const done = await waitForCompletion(again, id);
    const json = await exportJson(again, id);

    // Assert
    assert.equal(afterStop.leased, 0, 'no lease outlives the app');
    assert.equal(done.counts.malicious, 3);
    assert.deepEqual(json.items.map((i) => [i.line, i.status]), [[1, 'found'], [2, 'found'], [3, 'found']]);
    assert.equal((await inspect(shared)).jobs, 0);
  });

  test('when the app process is killed mid-lookup, then the next start returns the leases and the report completes, each row answered once', async (t) => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'hash-report-crash-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const shared = await createSharedDatabase(dir);
    t.after(() => shared.release());
    const files = [newFile(sim, DETECTED), newFile(sim, DETECTED), newFile(sim, DETECTED)];
    const child = await startChildApp(shared.databasePath, sim.url, { env: shared.databaseEnv });
    t.after(() => child.kill());
    const email = uniqueEmail('crash');
    const client = new HttpClient(child.url);
    assert.equal((await client.register(email)).status, 303);
    sim.setLatency(1500);
    t.after(() => sim.setLatency(0));
    const callsBefore = sim.calls.length;
    const id = await uploadHashes(client, files.map((f) => f.sha256));
    await waitFor(async () => sim.calls.slice(callsBefore).filter((c) => c.status === 0).length >= 3, 'three lookups in flight', 5000);

    // Act
    await child.kill();
    const afterCrash = await inspect(shared);
    sim.setLatency(0);
    const restarted = await startTestApp({ ...sameDatabase(shared), sim });
    t.after(() => restarted.stop());
    const again = restarted.client();
    assert.equal((await again.login(email)).status, 303);
    const done = await waitForCompletion(again, id);
    const json = await exportJson(again, id);

    // Assert
    assert.equal(afterCrash.leased, 3, 'the killed process left its leases behind');
    assert.equal(done.counts.malicious, 3);
    assert.equal(json.items.length, 3);
    assert.ok(json.items.every((i) => i.status === 'found' && i.fromCache === false));
    assert.equal((await inspect(shared)).jobs, 0);
    for (const file of files) assert.equal(sim.callsFor(file.sha256), 2, 'one lost to the crash, one after the restart');
  });
});

describe('a result that cannot be stored', () => {
  test('when storing an answer fails, then the lease expires, the hash is looked up again and the report completes', async (t) => {
    // Arrange: an app that checks leases often, and a database that refuses cache writes for a while.
    const app = await startTestApp({ tuning: { leaseCheckMs: 100, lookupTimeoutMs: 300 } });
    t.after(() => app.stop());
    const client = await signedIn(app);
    const file = newFile(app.sim, DETECTED);
    const postgres = app.db.dialect === 'postgres';
    if (postgres) {
      await app.db.run("CREATE FUNCTION refuse_cache() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk trouble'; END $$");
      await app.db.run('CREATE TRIGGER refuse_cache BEFORE INSERT ON cache_entries FOR EACH ROW EXECUTE FUNCTION refuse_cache()');
    } else {
      await app.db.run("CREATE TRIGGER refuse_cache BEFORE INSERT ON cache_entries BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
    }

    // Act
    const id = await uploadHashes(client, [file.sha256]);
    await waitFor(async () => app.sim.callsFor(file.sha256) === 1, 'the first lookup');
    await appIdle(app);
    const whileBroken = await reportStatus(client, id);
    await app.db.run(postgres ? 'DROP TRIGGER refuse_cache ON cache_entries' : 'DROP TRIGGER refuse_cache');
    const done = await waitForCompletion(client, id, 20_000);

    // Assert
    assert.equal(whileBroken.status, 'queued', 'the row stays pending while the answer cannot be stored');
    assert.equal(done.counts.malicious, 1);
    assert.equal(app.sim.callsFor(file.sha256), 2, 'the lost answer is asked for once more, not given up');
    assert.equal((await inspect(app)).jobs, 0);
  });
});
