import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJson, startTestApp, TEST_KEY, waitFor, waitForCompletion } from '../helpers/test-app.js';
import { feedState, FEED_TUNING, minuteBefore, newestServed, startFeedSim, waitCaughtUp } from '../helpers/feeds.js';
import { feedObject, feedObjectId } from '../../scripts/vt-simulator/feed-objects.js';
import { MINUTE_MS, minuteStart } from '../../src/feeds/feed-minute.js';
import { signedIn, uploadHashes } from '../helpers/factories.js';
import { apiCall, createApiToken } from '../helpers/api-client.js';
import { run } from '../helpers/cli.js';

test('when a batch is garbled (bzip2 or JSON), then it is marked failed with the reason, later batches go on, and a retry stores it', async (t) => {
  const at = Date.now();
  const [badBzip, badJson] = [minuteBefore(at, 67), minuteBefore(at, 65)];
  const fake = await startFeedSim(at);
  t.after(() => fake.sim.close());
  fake.sim.feeds.garble('domains', badBzip, 'bzip2');
  fake.sim.feeds.garble('domains', badJson, 'json');
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains' }, tuning: { ...FEED_TUNING, feedRetryMs: 200 } });
  t.after(() => app.stop());
  await waitCaughtUp(app.db, 'domains', at);
  const failed = await app.db.rows<{ minute: string; reason: string; line: number }>("SELECT minute, reason, line FROM feed_failed_batches WHERE feed = 'domains' ORDER BY minute");
  assert.deepEqual(failed.map((f) => f.minute), [badBzip, badJson], 'both batches are marked failed');
  assert.match(failed[0]!.reason, /^bzip2: Data integrity error/);
  assert.equal(Number(failed[0]!.line), 0, 'no line of the corrupt block was stored: bzip2 writes a block out before it checks it');
  assert.match(failed[1]!.reason, /not JSON/);
  assert.ok(app.sim.feeds.downloads.includes(`domains/${minuteBefore(at, 61)}`), 'the minutes after them were read');
  // Act: VirusTotal serves them whole again; the retries store them.
  fake.sim.feeds.garble('domains', badBzip, null);
  fake.sim.feeds.garble('domains', badJson, null);
  await waitFor(async () => (await app.db.rows('SELECT minute FROM feed_failed_batches')).length === 0, 'the failed batches to be stored', 60_000);
  const keys = new Set((await app.db.rows<{ key: string }>('SELECT key FROM cache_entries')).map((r) => r.key));
  for (const minute of [badBzip, badJson]) {
    for (const line of app.sim.feeds.lines('domains', minute)) assert.ok(keys.has((JSON.parse(line) as { id: string }).id), `an object of ${minute} is stored`);
  }
});

test('when a pending row\'s value arrives in a feed, then the row is answered from it with no lookup call, says "from feed", and the API answers 200', async (t) => {
  // Arrange: no shared key, so nothing but the feed can answer; the fake publishes nothing new yet.
  const at = Date.now();
  const fake = await startFeedSim(at - 15 * MINUTE_MS);
  t.after(() => fake.sim.close());
  const minute = minuteBefore(at, 65);
  const domain = feedObjectId('domains', 777);
  fake.sim.feeds.add('domains', minute, feedObject('domains', 777, minuteStart(minute) / 1000 - 5));
  const app = await startTestApp({ sim: fake.sim, noKey: true, env: { VT_FEEDS: 'domains', VT_FEED_API_KEY: TEST_KEY }, tuning: FEED_TUNING });
  t.after(() => app.stop());
  const client = await signedIn(app);
  const id = await uploadHashes(client, [domain]);
  assert.equal((await exportJson(client, id)).items[0]?.status, 'pending', 'the row waits');
  // Act: the fake's clock moves on, the minute is published and read.
  fake.setNow(at);
  await waitForCompletion(client, id);
  // Assert
  const item = (await exportJson(client, id)).items[0];
  assert.equal(item?.status, 'found');
  assert.equal(fake.sim.callsFor(domain), 0, 'no lookup call was made for it');
  assert.equal((await app.db.rows('SELECT id FROM lookup_jobs')).length, 0, 'its lookup job is gone');
  const page = await client.get(`/reports/${id}`);
  assert.match(page.html, /from feed · [^<]* old/);
  const token = await createApiToken(client);
  const answer = await apiCall(app.url, token, `/api/v1/lookup?value=${domain}`);
  assert.equal(answer.status, 200);
  assert.equal(((await answer.json()) as { status: string }).status, 'found');
  assert.equal(fake.sim.callsFor(domain), 0, 'the API answered from the feed too');
});

test('when a lookup stored a newer answer, then an older feed object does not replace it', async (t) => {
  const at = Date.now();
  const fake = await startFeedSim(at - 15 * MINUTE_MS);
  t.after(() => fake.sim.close());
  const minute = minuteBefore(at, 65);
  fake.sim.feeds.add('domains', minute, feedObject('domains', 555, minuteStart(minute) / 1000 - 5));
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains' }, tuning: FEED_TUNING });
  t.after(() => app.stop());
  // A lookup's answer, analysed after the feed's object: as the lookup path stores it, a newer date.
  const newer = new Date((minuteStart(minute) / 1000 + 3600) * 1000).toISOString();
  await app.db.run("INSERT INTO cache_entries (key, verdict, last_analysis_date, fetched_at, from_feed) VALUES (?, 'not_suspicious', ?, ?, 0)", feedObjectId('domains', 555), newer, Date.now());
  fake.setNow(at);
  await waitCaughtUp(app.db, 'domains', at);
  const entry = await app.db.row<{ last_analysis_date: string; from_feed: number }>('SELECT last_analysis_date, from_feed FROM cache_entries WHERE key = ?', feedObjectId('domains', 555));
  assert.equal(entry?.last_analysis_date, newer);
  assert.equal(Number(entry?.from_feed), 0);
});

test('when the export command runs, then it prints each stored object once, the newest, as NDJSON', async (t) => {
  const at = Date.now();
  const fake = await startFeedSim(at, { objectsPerMinute: 10, poolSize: 15 });
  t.after(() => fake.sim.close());
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains,ip_addresses' }, tuning: FEED_TUNING });
  t.after(() => app.stop());
  await waitCaughtUp(app.db, 'domains', at);
  await waitCaughtUp(app.db, 'ip_addresses', at);
  const result = await run('npm', ['run', '--silent', 'feeds', '--', 'export', '--type', 'domains', '--since', '2000-01-01T00:00Z'], app.databaseEnv);
  assert.equal(result.code, 0, result.output);
  const objects = result.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { id: string; type: string; attributes: { last_analysis_date: number } });
  const served = newestServed(app, 'domains');
  assert.equal(objects.length, served.size, 'one line per id');
  for (const o of objects) {
    assert.equal(o.type, 'domain', 'domains only');
    assert.equal(new Date(o.attributes.last_analysis_date * 1000).toISOString(), served.get(o.id), `${o.id} is its newest`);
  }
  const later = await run('npm', ['run', '--silent', 'feeds', '--', 'export', '--type', 'domains', '--since', new Date(at).toISOString()], app.databaseEnv);
  assert.equal(later.output.split('\n').filter((l) => l.startsWith('{')).length, 0, '--since leaves out objects analysed before it');
  assert.ok((await feedState(app.db, 'ip_addresses'))?.objects_day, 'the second feed ran beside the first');
});
