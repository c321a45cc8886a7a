import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
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

test('when the feed stops mid-batch, then its bzip2 program is killed and reaped before the stop returns', async (t) => {
  // Arrange: the minute's download is a named pipe the test writes into: two thirds of the batch, then nothing more.
  const at = Date.now();
  const minute = minuteBefore(at, 61);
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-feed-stop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines = Array.from({ length: 8000 }, (_, k) => JSON.stringify(feedObject('domains', k, minuteStart(minute) / 1000 - 5)));
  // Small blocks (100 KB), so the part sent holds many whole blocks that bzip2 decodes and checks.
  const packed = execFileSync('bzip2', ['-1', '-c'], { input: `${lines.join('\n')}\n` });
  const fifo = join(dir, 'batch.bz2');
  execFileSync('mkfifo', [fifo]);
  const fake = await startFeedSim(at);
  t.after(() => fake.sim.close());
  fake.sim.feeds.useFile('domains', minute, fifo);
  const writer = createWriteStream(fifo);
  t.after(() => new Promise<void>((resolve) => writer.end(resolve)));
  writer.write(packed.subarray(0, Math.floor((packed.length * 2) / 3)));
  const app = await startTestApp({ sim: fake.sim, env: { VT_FEEDS: 'domains', VT_FEED_BACKFILL_MINUTES: '61' }, tuning: FEED_TUNING });
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
