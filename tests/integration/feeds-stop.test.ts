import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, waitFor } from '../helpers/test-app.js';
import { feedState, FEED_TUNING, minuteBefore, startFeedSim } from '../helpers/feeds.js';
import { feedObject } from '../../scripts/vt-simulator/feed-objects.js';
import { minuteStart } from '../../src/feeds/feed-minute.js';

/** This process's children running `bzip2 -dc` (a zombie too: its entry stays until it is reaped). */
function decoders(): number[] {
  const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n');
  return children.filter((l) => /bzip2( -dc|\s*<defunct>|\]\s*<defunct>)/.test(l)).map((l) => Number.parseInt(l.trim(), 10));
}

// The download stalls inside the simulator (an open response that sends nothing more), not in a pipe the
// test writes: the simulator's close() destroys the connection, so no cleanup can wait forever. The
// timeout turns any hang that is left into a failure.
test('when the feed stops mid-batch, then its bzip2 program is killed and reaped before the stop returns', { timeout: 60_000 }, async (t) => {
  // Arrange: the minute's download sends two thirds of the batch, then nothing more.
  const at = Date.now();
  const minute = minuteBefore(at, 61);
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-feed-stop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines = Array.from({ length: 8000 }, (_, k) => JSON.stringify(feedObject('domains', k, minuteStart(minute) / 1000 - 5)));
  // Small blocks (100 KB), so the part sent holds many whole blocks that bzip2 decodes and checks.
  const packed = execFileSync('bzip2', ['-1', '-c'], { input: `${lines.join('\n')}\n` });
  const file = join(dir, 'batch.bz2');
  writeFileSync(file, packed);
  const fake = await startFeedSim(at);
  t.after(() => fake.sim.close());
  fake.sim.feeds.useFile('domains', minute, file);
  fake.sim.feeds.stall('domains', minute, Math.floor((packed.length * 2) / 3));
  // Two minutes of margin: the app starts its backfill from its own clock, which may have passed a minute
  // boundary since `at`; it reads one or two ordinary minutes first, then reaches the stalled one.
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains', VT_FEED_BACKFILL_MINUTES: '63' }, tuning: FEED_TUNING });
  t.after(() => app.stop());
  const state = await waitFor(async () => {
    const s = await feedState(app.db, 'domains');
    return s?.minute === minute && s.line > 0 ? s : null;
  }, 'the batch to be half stored');
  assert.ok(state.line < lines.length, 'the batch is under way, waiting on its download');
  const running = decoders();
  assert.equal(running.length, 1, 'one bzip2 -dc decodes the batch');
  // Act
  await app.stopApp();
  // Assert: the stop's return is the idle signal: the program was killed and reaped by then.
  assert.deepEqual(decoders(), [], `bzip2 -dc (pid ${running[0]}) is gone, not even a zombie`);
});
