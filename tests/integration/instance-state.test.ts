import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSharedDatabase, reportIdFrom, sameDatabase, startTestApp, TEST_KEY, waitFor, waitForCompletion, type TestApp } from '../helpers/test-app.js';
import { openTestDatabase } from '../helpers/test-database.js';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';
import { startChildApp } from '../helpers/child-app.js';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { ENTRY_COLUMNS, seedData } from '../../scripts/bench-seed.js';

// What used to live in one process's memory (key pauses, the circuit breaker, the per-user windows,
// download places) is in the database now: a restarted process, or another instance, sees it.

async function withSim(t: { after(fn: () => Promise<void> | void): void }, options: Partial<Parameters<typeof startVtSimulator>[0]> = {}): Promise<VtSimulator> {
  const sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 1000, perDay: 100_000 } }, minuteMs: 1000, ...options });
  t.after(() => sim.close());
  return sim;
}

/** A second process's view of the same database: the app restarted on it, with the same fake. */
async function restarted(first: TestApp, tuning: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  await first.stopApp();
  return startTestApp({ ...tuning, ...sameDatabase(first), sim: first.sim });
}

test('when VirusTotal refused the key and the app restarts, then the key is still resting and nothing is sent for the queued row', async (t) => {
  // Arrange: the key's first call gets a 401; the key then rests for a minute (authRetryMs)
  const sim = await withSim(t);
  const first = await startTestApp({ sim });
  const email = uniqueEmail();
  const client = await signedIn(first, email);
  sim.failNext(1, '401');
  const id = await uploadHashes(client, [hex(32)]);
  await waitFor(async () => first.runtime.lookups.keys()[0]?.pause?.reason === 'wrong_key', 'the key to be refused');
  await first.runtime.scheduler.whenIdle();
  const callsBefore = sim.calls.length;

  // Act
  const second = await restarted(first);
  t.after(async () => {
    await second.stop();
    await first.stop();
  });
  await second.runtime.scheduler.whenIdle();

  // Assert
  assert.equal(second.runtime.lookups.keys()[0]?.pause?.reason, 'wrong_key', 'the restarted dispatcher knows the key was refused');
  assert.equal(sim.calls.length, callsBefore, 'no call went out with the refused key');
  const again = new HttpClient(second.url);
  assert.equal((await again.login(email)).status, 303);
  const page = await again.get(`/reports/${id}`);
  assert.match(page.html, /refused/);
});

test('when the circuit breaker opened and the app restarts, then lookups stay paused as VirusTotal down and nothing is sent before the probe', async (t) => {
  // Arrange: three different files fail in a row, which opens a breaker whose probe is a minute away
  const sim = await withSim(t);
  // Retries wait a minute too: an answer to one would close the breaker before the restart.
  const tuning = { breakerThreshold: 3, breakerProbeMs: 60_000, maxAttempts: 10, retryBaseMs: 60_000 };
  const first = await startTestApp({ sim, tuning });
  const client = await signedIn(first);
  sim.failNext(3, '503');
  await uploadHashes(client, [hex(32), hex(32), hex(32)]);
  await waitFor(async () => first.runtime.lookups.pause()?.reason === 'vt_down', 'the breaker to open');
  await first.runtime.scheduler.whenIdle();
  const callsBefore = sim.calls.length;

  // Act
  const second = await restarted(first, { tuning });
  t.after(async () => {
    await second.stop();
    await first.stop();
  });
  await second.runtime.scheduler.whenIdle();

  // Assert
  assert.equal(sim.calls.filter((c) => c.fault).length, 3, 'the breaker opened on three failures');
  assert.equal(second.runtime.lookups.pause()?.reason, 'vt_down');
  assert.equal(sim.calls.length, callsBefore, 'the restarted dispatcher sent nothing while the breaker is open');
});

test('when a user spent their uploads of the minute and the app restarts, then the next upload is still refused', async (t) => {
  // Arrange
  const sim = await withSim(t);
  const env = { UPLOADS_PER_MINUTE: '2' };
  const first = await startTestApp({ sim, env });
  const email = uniqueEmail();
  const client = await signedIn(first, email);
  await uploadHashes(client, [hex(32)]);
  await uploadHashes(client, [hex(32)]);

  // Act
  const second = await restarted(first, { env });
  t.after(async () => {
    await second.stop();
    await first.stop();
  });
  const again = new HttpClient(second.url);
  await again.login(email);
  await again.get('/reports/new');
  const refused = await again.upload({ hashes: hex(32) });

  // Assert
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
});

test('when the process holding two downloads is killed, then its places stay taken until their slots expire, then free themselves', async (t) => {
  // Arrange: a child app holds two CSV downloads of a big report (the client reads nothing, the socket fills)
  const sim = await withSim(t);
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-slots-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const shared = await createSharedDatabase(dir);
  t.after(() => shared.release());
  // Long enough that the next process is up and asks before the dead slots expire, even on a busy machine.
  const slotTtlMs = 8000;
  const child = await startChildApp(shared.databasePath, sim.url, { env: shared.databaseEnv, tuning: { downloadSlotTtlMs: slotTtlMs } });
  t.after(() => child.kill());
  // Seeded before the first request: a keep-alive connection left idle through a long seeding is
  // closed by the server just as the client reuses it.
  const db = openTestDatabase(shared.databaseUrl ?? shared.databasePath);
  t.after(() => db.close());
  const { content, entries } = seedData(60_000);
  await db.insertRows('cache_entries', ENTRY_COLUMNS, entries);
  await db.insertRows('cache_aliases', ['hash', 'entry_key'], entries.map((e) => [e[0], e[0]]));
  const email = uniqueEmail('slots');
  const client = new HttpClient(child.url);
  assert.equal((await client.register(email)).status, 303);
  const id = reportIdFrom(await client.upload({ file: { name: 'big.txt', content }, name: 'Big' }));
  await waitForCompletion(client, id);
  const held = [0, 1].map(() => new AbortController());
  for (const abort of held) await client.request(`/reports/${id}/export.csv`, { signal: abort.signal });
  t.after(() => {
    for (const abort of held) abort.abort();
  });
  const slots = () => db.rows<{ expires_at: number | string }>('SELECT expires_at FROM download_slots');
  assert.equal((await slots()).length, 2, 'two slots held by the child');

  // Act
  await child.kill();
  const app = await startTestApp({ ...sameDatabase(shared), sim, tuning: { downloadSlotTtlMs: slotTtlMs } });
  t.after(() => app.stop());
  const user = new HttpClient(app.url);
  await user.login(email);
  const heldAt = Date.now();
  const whileHeld = await user.get(`/reports/${id}/hashes.txt?kind=sha256`);
  const expiry = Math.max(...(await slots()).map((s) => Number(s.expires_at)));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiry - Date.now() + 10)));
  const afterExpiry = await user.request(`/reports/${id}/hashes.txt?kind=sha256`);
  await afterExpiry.arrayBuffer();

  // Assert
  assert.ok(heldAt < expiry, 'the first try came before the dead slots expired');
  assert.equal(whileHeld.status, 429, "the dead process's downloads still count until their slots expire");
  assert.match(whileHeld.html, /already have 2 downloads in progress/);
  assert.equal(afterExpiry.status, 200, 'expired slots free themselves');
  assert.equal((await slots()).length, 0, 'the expired slots were cleared and the new download released its own');
});
