import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { exportJson, reportStatus, waitFor, waitForCompletion, type TestApp, type TestAppOptions } from '../helpers/test-app.js';
import type { HttpClient } from '../helpers/http-client.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, newFile, signedIn, sleep, uploadHashes } from '../helpers/factories.js';

// The app's and the fake's "minute" is one second here; 20 calls fit in each.
const WINDOW_MS = 1000;
const PER_WINDOW = 20;
/** The scheduler's default: lookups in flight at once. */
const MAX_IN_FLIGHT = 8;

const uncached = (n: number) => Array.from({ length: n }, () => hex(32));

/** Calls the fake received after `mark` up to and including the last one for any of `hashes`. */
function callsUntilLastOf(app: TestApp, mark: number, hashes: string[]): number {
  const wanted = new Set(hashes);
  const calls = app.sim.calls.slice(mark);
  let last = -1;
  calls.forEach((c, i) => {
    if (c.hash !== undefined && wanted.has(c.hash)) last = i;
  });
  return last + 1;
}

/**
 * Uploads `hashes` while the fake holds its answers and exactly MAX_IN_FLIGHT lookups wait there,
 * so the scheduler can send nothing until the list is queued. Returns the report and `mark`, the
 * index in the fake's call log of the first lookup that was in flight when the list was queued:
 * every call from there on was either in flight then or chosen with the list in the queue.
 */
async function queueWithFlightFull(app: TestApp, client: HttpClient, hashes: string[], name: string): Promise<{ id: string; mark: number }> {
  app.sim.hold();
  try {
    const pending = () => app.sim.calls.filter((c) => c.status === 0).length;
    await waitFor(async () => pending() >= MAX_IN_FLIGHT, 'the lookups in flight to fill up');
    const mark = app.sim.calls.length - pending();
    return { id: await uploadHashes(client, hashes, name), mark };
  } finally {
    app.sim.release();
  }
}

const PACED: TestAppOptions = {
  generate: true,
  minuteMs: WINDOW_MS,
  simKey: { perMinute: PER_WINDOW, perDay: 100_000 },
  env: { VT_RATE_PER_MINUTE: String(PER_WINDOW), VT_RATE_PER_DAY: '100000' },
  // Held answers (queueWithFlightFull) must not time out and come back as retries on a busy machine.
  tuning: { lookupTimeoutMs: 30_000 },
};

describe('fair share between users and reports', () => {
  const app = appSuite(PACED);

  test("when A queues 1,000 uncached hashes and then B queues 10, then B's report completes within about 10 + in-flight calls", async () => {
    // Arrange
    const a = await signedIn(app);
    const b = await signedIn(app);
    const large = await uploadHashes(a, uncached(1000), 'large');

    // Act: counted in calls, not milliseconds, so a busy machine cannot change the result.
    const hashes = uncached(10);
    const { id: small, mark } = await queueWithFlightFull(app, b, hashes, 'small');
    const done = await waitForCompletion(b, small, 20_000);
    const calls = callsUntilLastOf(app, mark, hashes);
    const largeStatus = await reportStatus(a, large);

    // Assert
    assert.equal(done.counts.pending, 0);
    assert.ok(calls <= 10 + MAX_IN_FLIGHT, `B waited through ${calls} calls, more than its 10 plus ${MAX_IN_FLIGHT} in flight`);
    assert.ok((largeStatus.counts.pending ?? 0) > 900, 'the large list was still running: B did not just wait for it to end');
    assert.equal(app.sim.quotaRejections(), 0, 'no 429 caused by the app');
  });

  test("when one user's small report follows their own large one, then the small one does not wait for the large one", async () => {
    // Arrange
    const a = await signedIn(app);
    await uploadHashes(a, uncached(1000), 'large');

    // Act
    const hashes = uncached(10);
    const { id: small, mark } = await queueWithFlightFull(app, a, hashes, 'small');
    const done = await waitForCompletion(a, small, 20_000);
    const calls = callsUntilLastOf(app, mark, hashes);

    // Assert
    assert.equal(done.counts.pending, 0);
    // Other users' large lists from the test above still wait too, so turns are shared three ways here.
    assert.ok(calls <= 3 * 10 + MAX_IN_FLIGHT, `the small report waited through ${calls} calls`);
  });
});

describe('fair share right after an idle key\'s first burst', () => {
  // A 120-a-minute key with a 12 s "minute": one paced interval is 100 ms.
  const window = 12_000;
  const perWindow = 120;
  const interval = window / perWindow;
  const app = appSuite({
    generate: true,
    minuteMs: window,
    simKey: { perMinute: perWindow, perDay: 100_000 },
    env: { VT_RATE_PER_MINUTE: String(perWindow), VT_RATE_PER_DAY: '100000' },
    tuning: { lookupTimeoutMs: 30_000 },
  });

  test("when A queues 300 uncached hashes on an idle key and B queues 6 three seconds later, then B's report completes in about its own share", async () => {
    // Arrange: the key has been idle, so A's list starts with whatever burst the limiter allows
    const a = await signedIn(app);
    const b = await signedIn(app);
    const uploadedAt = Date.now();
    await uploadHashes(a, uncached(300), 'large');
    await sleep((window * 3) / 60);
    // B comes once A's opening burst is over (the fake has heard nothing for 5 intervals), so a slow
    // machine cannot let B slip into the burst; paced calls never go quiet that long, hence the cap.
    const lastCallAt = () => app.sim.calls.at(-1)?.at ?? uploadedAt;
    await waitFor(async () => Date.now() - lastCallAt() >= 5 * interval || Date.now() - uploadedAt >= window / 4, 'A\'s opening burst to end', window);

    // Act: measured in paced intervals, so the bound reads in call slots
    const startedAt = Date.now();
    const small = await uploadHashes(b, uncached(6), 'small');
    const done = await waitForCompletion(b, small, 2 * window);
    const slots = (Date.now() - startedAt) / interval;

    // Assert: its 6 turns (2 × 6 with A's between) plus the 8 in flight, with room for a busy
    // 2-core machine; a whole-window burst made B wait for the window to free, about 110 slots.
    assert.equal(done.counts.pending, 0);
    assert.ok(slots <= 30, `B's 6 rows took ${slots.toFixed(1)} call slots of ${interval} ms`);
    assert.equal(app.sim.quotaRejections(), 0, 'no 429 caused by the app');
  });
});

describe('queue position estimates', () => {
  const app = appSuite(PACED);

  test("when a small list is queued behind a colleague's large one, then its estimate is its own turns, not the large list's", async () => {
    // Arrange
    const a = await signedIn(app);
    const b = await signedIn(app);
    const large = await uploadHashes(a, uncached(1000), 'large');

    // Act
    const small = await uploadHashes(b, uncached(10), 'small');
    const now = Date.now();
    const [smallStatus, largeStatus, page] = await Promise.all([reportStatus(b, small), reportStatus(a, large), b.get(`/reports/${small}`)]);

    // Assert
    assert.ok(smallStatus.estimatedFinish && largeStatus.estimatedFinish);
    const smallEta = Date.parse(smallStatus.estimatedFinish) - now;
    const largeEta = Date.parse(largeStatus.estimatedFinish) - now;
    // B's 10 rows take turns with A's: about 20 calls, one window at 20 a window.
    assert.ok(smallEta <= 2 * WINDOW_MS + 500, `small list estimated ${smallEta} ms away`);
    assert.ok(largeEta >= 40 * WINDOW_MS, `large list estimated ${largeEta} ms away, expected about ${1000 / PER_WINDOW} windows`);
    // The page counts the calls left, which shrink as B's turns come: never more than its 10 and A's 10.
    const left = /(\d+) VirusTotal lookups? to go before this report's last row/.exec(page.html);
    assert.ok(left || /status-completed/.test(page.html), 'a running report shows its calls to go');
    if (left) assert.ok(Number(left[1]) <= 20, `${left[1]} calls to go`);
  });
});

describe('one file, several names', () => {
  const app = appSuite();
  after(async () => {
    app.sim.setLatency(0);
  });

  test('when a list names the same new files by MD5 and SHA-256 and a colleague queues their SHA-1s at once, then each file costs one call', async () => {
    // Arrange
    const a = await signedIn(app);
    const b = await signedIn(app);
    const files = Array.from({ length: 10 }, () => newFile(app.sim));
    // Slow answers keep lookups in flight while the other names are next in line.
    app.sim.setLatency(150);

    // Act
    const [mixed, bySha1] = await Promise.all([
      uploadHashes(a, files.flatMap((f) => [f.md5, f.sha256])),
      uploadHashes(b, files.map((f) => f.sha1)),
    ]);
    await waitForCompletion(a, mixed, 20_000);
    await waitForCompletion(b, bySha1, 20_000);
    const [ja, jb] = await Promise.all([exportJson(a, mixed), exportJson(b, bySha1)]);

    // Assert
    for (const file of files) assert.equal(app.sim.callsFor(file.sha256), 1, `one call for ${file.sha256}`);
    assert.equal(ja.items.length, 20);
    assert.ok([...ja.items, ...jb.items].every((i) => i.status === 'found' && i.sha256 !== undefined));
  });

  test('when a list mixes MD5 and SHA-256 rows, then lookups still go out several at a time, one type per batch', async () => {
    // Arrange
    const client = await signedIn(app);
    const files = Array.from({ length: 40 }, () => newFile(app.sim));
    const hashes = files.map((f, i) => (i % 2 === 0 ? f.md5 : f.sha256));
    app.sim.setLatency(200);
    const mark = app.sim.calls.length;

    // Act
    const startedAt = Date.now();
    const id = await uploadHashes(client, hashes);
    await waitForCompletion(client, id, 20_000);
    const elapsed = Date.now() - startedAt;
    const calls = app.sim.calls.slice(mark);

    // Assert
    assert.equal(calls.length, 40);
    // One at a time would take 40 × 200 ms; batches of 8 of one type take about 5 × 200 ms.
    assert.ok(elapsed < 4000, `40 mixed lookups took ${elapsed} ms`);
    const together = Math.max(...calls.map((c) => calls.filter((d) => Math.abs(d.at - c.at) < 100).length));
    assert.ok(together >= 4, `at most ${together} lookups went out together`);
    for (let i = 0; i < calls.length; i++) {
      const overlapping = calls.filter((d) => Math.abs(d.at - calls[i]!.at) < 150);
      const types = new Set(overlapping.map((d) => d.hash?.length));
      assert.equal(types.size, 1, 'lookups sent together are of one hash type');
    }
  });
});
