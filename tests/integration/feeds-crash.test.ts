import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSharedDatabase, waitFor } from '../helpers/test-app.js';
import { openTestDatabase } from '../helpers/test-database.js';
import { freePort, startChildApp, type ChildApp } from '../helpers/child-app.js';
import { feedState, FEED_TUNING, minuteBefore, newestServed, startFeedSim, waitCaughtUp } from '../helpers/feeds.js';

const KILLS = 3;
const PER_MINUTE = 2000;

test('when the app is killed mid-batch, then it resumes where it stopped: no object missing, none counted twice', async (t) => {
  // Arrange: three published minutes of 2,000 objects, stored 40 lines a transaction, so a kill lands mid-batch.
  const at = Date.now();
  const fake = await startFeedSim(at, { objectsPerMinute: PER_MINUTE, poolSize: 5000 });
  t.after(() => fake.sim.close());
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-feed-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const database = await createSharedDatabase(dir);
  t.after(() => database.release());
  const port = await freePort();
  const env = { ...database.databaseEnv, VT_FEEDS: 'domains', VT_FEED_BACKFILL_MINUTES: '62' };
  const start = () => startChildApp(database.databasePath, fake.sim.url, { port, env, tuning: { ...FEED_TUNING, feedGroupLines: 40 } });
  const db = openTestDatabase(database.databaseUrl ?? database.databasePath);
  t.after(() => db.close());
  let child: ChildApp = await start();
  t.after(() => child.kill());
  // Act: kill -9 while a batch is half stored, three times, each further on.
  let previous = '';
  for (let kill = 0; kill < KILLS; kill++) {
    const state = await waitFor(async () => {
      const s = await feedState(db, 'domains');
      return s && s.line > 0 && `${s.minute}:${s.line}` !== previous ? s : null;
    }, 'a batch under way', 30_000);
    assert.ok(state.line > 0);
    await child.kill();
    const after = await feedState(db, 'domains');
    assert.ok(after && after.line > 0, `killed mid-batch (at ${after?.minute} line ${after?.line})`);
    previous = `${after.minute}:${after.line}`;
    child = await start();
  }
  const state = await waitCaughtUp(db, 'domains', at, 60_000);
  // Assert: every line of every minute counted once; every object there, with its newest analysis.
  const minutes = [62, 61, 60].map((m) => minuteBefore(at, m)).filter((m) => m < state.minute);
  const lines = minutes.reduce((n, m) => n + fake.sim.feeds.lines('domains', m).length, 0);
  assert.equal(state.objects_day, lines, 'no line counted twice or skipped');
  const served = newestServed({ sim: fake.sim }, 'domains');
  const entries = await db.rows<{ key: string; last_analysis_date: string }>('SELECT key, last_analysis_date FROM cache_entries');
  assert.equal(entries.length, served.size, 'no object missing');
  for (const e of entries) assert.equal(e.last_analysis_date, served.get(e.key));
});
