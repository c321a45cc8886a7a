import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, waitFor, type TestApp } from '../helpers/test-app.js';
import { feedState, FEED_TUNING, minuteBefore, newestServed, startFeedSim, waitCaughtUp, type FeedSim } from '../helpers/feeds.js';
import { feedObject } from '../../scripts/vt-simulator/feed-objects.js';
import { minuteStart } from '../../src/feeds/feed-minute.js';
import { adminClient } from '../helpers/factories.js';

async function feedApp(t: { after: (fn: () => Promise<void>) => void }, at: number, env: Record<string, string> = {}, tuning = {}): Promise<{ app: TestApp; fake: FeedSim }> {
  const fake = await startFeedSim(at, { objectsPerMinute: 10, poolSize: 15 });
  t.after(() => fake.sim.close());
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains', VT_FEED_BACKFILL_MINUTES: '70', ...env }, tuning: { ...FEED_TUNING, ...tuning } });
  t.after(() => app.stop());
  return { app, fake };
}

const seconds = (minute: string) => minuteStart(minute) / 1000;

test('when objects come back in later minutes, newer or older, then the cache keeps the newest per id', async (t) => {
  // Arrange: one domain analysed twice; the newer analysis is published first, the older one two minutes later.
  const at = Date.now();
  const [early, late] = [minuteBefore(at, 68), minuteBefore(at, 66)];
  const fake = await startFeedSim(at, { objectsPerMinute: 10, poolSize: 15 });
  t.after(() => fake.sim.close());
  fake.sim.feeds.add('domains', early, feedObject('domains', 900, seconds(early) + 50));
  fake.sim.feeds.add('domains', late, feedObject('domains', 900, seconds(early) + 10));
  // Act
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains' }, tuning: FEED_TUNING });
  t.after(() => app.stop());
  await waitCaughtUp(app.db, 'domains', at);
  // Assert: one entry per id, each with the newest analysis served, the late older copy ignored.
  const served = newestServed(app, 'domains');
  assert.ok(served.size > 10, 'the pool repeats ids across minutes');
  const entries = await app.db.rows<{ key: string; last_analysis_date: string; from_feed: number }>("SELECT key, last_analysis_date, from_feed FROM cache_entries WHERE key LIKE 'feed-%'");
  assert.equal(entries.length, served.size, 'one entry per id');
  for (const entry of entries) {
    assert.equal(entry.last_analysis_date, served.get(entry.key), `${entry.key} holds its newest analysis`);
    assert.equal(Number(entry.from_feed), 1);
  }
  const kept = entries.find((e) => e.key === 'feed-900.example.net');
  assert.equal(kept?.last_analysis_date, new Date((seconds(early) + 50) * 1000).toISOString(), 'the older copy published later did not replace the newer one');
  const state = await feedState(app.db, 'domains');
  const lines = [...new Set(app.sim.feeds.downloads)].reduce((n, key) => n + app.sim.feeds.lines('domains', key.split('/')[1]!).length, 0);
  assert.equal(state?.objects_day, lines, 'every line counted once');
});

test('when a minute is missing (404), then it is skipped with a warning and the feed reads on', async (t) => {
  const at = Date.now();
  const gap = minuteBefore(at, 65);
  const fake = await startFeedSim(at);
  t.after(() => fake.sim.close());
  fake.sim.feeds.setMissing('domains', [gap]);
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains' }, tuning: FEED_TUNING });
  t.after(() => app.stop());
  const state = await waitCaughtUp(app.db, 'domains', at);
  assert.equal(state.paused_reason, null, 'one missing minute does not pause the feed');
  assert.equal(state.missing_in_row, 0, 'the count of missing minutes starts again after a batch');
  assert.ok(!app.sim.feeds.downloads.includes(`domains/${gap}`), 'nothing was downloaded for the missing minute');
  assert.ok(app.sim.feeds.downloads.includes(`domains/${minuteBefore(at, 64)}`), 'the minute after it was read');
});

test('when five minutes in a row are missing, then the feed pauses and /admin says so', async (t) => {
  const at = Date.now();
  const fake = await startFeedSim(at);
  t.after(() => fake.sim.close());
  fake.sim.feeds.setMissing('domains', [67, 66, 65, 64, 63].map((m) => minuteBefore(at, m)));
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains' }, tuning: FEED_TUNING });
  t.after(() => app.stop());
  const state = await waitFor(async () => (await feedState(app.db, 'domains'))?.paused_reason ? feedState(app.db, 'domains') : null, 'the feed to pause');
  assert.match(state?.paused_reason ?? '', /5 minutes in a row missing/);
  assert.equal(state?.minute, minuteBefore(at, 62), 'the cursor stops after the fifth missing minute');
  const admin = await adminClient(app);
  const page = await admin.get('/admin');
  assert.match(page.html, /The domains feed is paused: 5 minutes in a row missing/);
  assert.match(page.html, /data-feed="domains"[\s\S]*?paused/);
});

test('when VirusTotal refuses the feed key (401), then the feed pauses and lookups go on', async (t) => {
  const { app } = await feedApp(t, Date.now(), { VT_FEED_API_KEY: 'no-feed-licence-key' });
  const state = await waitFor(async () => (await feedState(app.db, 'domains'))?.paused_reason ? feedState(app.db, 'domains') : null, 'the feed to pause');
  assert.match(state?.paused_reason ?? '', /refused the feed key \(401 WrongCredentialsError\)/);
  const { newFile, uploadHashes, signedIn } = await import('../helpers/factories.js');
  const { waitForCompletion, exportJson } = await import('../helpers/test-app.js');
  const file = newFile(app.sim, { malicious: 3 });
  const client = await signedIn(app);
  const id = await uploadHashes(client, [file.sha256]);
  await waitForCompletion(client, id);
  assert.equal((await exportJson(client, id)).items[0]?.status, 'found', 'the lookup still ran with the shared key');
});
