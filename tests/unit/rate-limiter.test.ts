import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';
import { createCallLog } from '../../src/lookups/call-log.repository.js';
import { RateLimiter, idleBurst, nextUtcMidnight } from '../../src/lookups/rate-limiter.js';
import { estimateFinish } from '../../src/lookups/eta.js';

async function freshLog() {
  const { db } = openDatabase(join(mkdtempSync(join(tmpdir(), 'limiter-')), 'test.sqlite'));
  await migrateToLatest(db);
  return { log: await createCallLog(db), db };
}

test('when the minute allowance is used, then the next slot opens 60 s after the oldest call in the window', async () => {
  const { log, db } = await freshLog();
  let now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const limiter = new RateLimiter(log, 'k', { perMinute: 4, perDay: 500 }, () => now);
  const t0 = now;
  // One call per 15 s interval: the pacing allows each, and the window holds all four.
  for (let i = 0; i < 4; i++) {
    assert.equal(limiter.acquireCall().ok, true);
    now += 15_000;
  }
  const refused = limiter.acquireCall();
  assert.deepEqual(refused, { ok: false, retryAt: t0 + 60_001, limit: 'minute' });
  now = t0 + 60_000;
  assert.equal(limiter.acquireCall().ok, false, 'a call at exactly +60 s would put 5 calls in one closed 60 s window');
  now = t0 + 60_001;
  assert.equal(limiter.acquireCall().ok, true);
  await db.destroy();
});

test('when calls are spread out, then no 60-second window ever holds more than the allowance', async () => {
  const { log, db } = await freshLog();
  let now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const limiter = new RateLimiter(log, 'k', { perMinute: 4, perDay: 10_000 }, () => now);
  const sent: number[] = [];
  for (let step = 0; step < 3000; step++) {
    if (limiter.acquireCall().ok) sent.push(now);
    now += 137;
  }
  for (const t of sent) assert.ok(sent.filter((s) => s >= t && s <= t + 60_000).length <= 4);
  // Idle slots with work waiting are waste: the limiter should have used close to every slot.
  const minutes = (3000 * 137) / 60_000;
  assert.ok(sent.length >= Math.floor(minutes) * 4, `sent ${sent.length} in ${minutes.toFixed(1)} min`);
  await db.destroy();
});

test('when a key was idle, then it sends a small burst at once (an eighth of its minute, at most 8) and paces the rest', async () => {
  // Arrange
  const { log, db } = await freshLog();
  const now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const premium = new RateLimiter(log, 'premium', { perMinute: 120, perDay: 10_000 }, () => now);
  const busy = new RateLimiter(log, 'busy', { perMinute: 20, perDay: 10_000 }, () => now);
  const publicKey = new RateLimiter(log, 'public', { perMinute: 4, perDay: 500 }, () => now);

  // Act
  const sentAtOnce = (limiter: RateLimiter) => {
    let sent = 0;
    while (limiter.acquireCall().ok) sent++;
    return sent;
  };

  // Assert
  assert.deepEqual([idleBurst(120), idleBurst(20), idleBurst(4), idleBurst(1000)], [8, 3, 1, 8]);
  assert.equal(sentAtOnce(premium), 8, 'a 120-a-minute key: 8 at once, not its whole minute');
  assert.equal(sentAtOnce(busy), 3);
  assert.equal(sentAtOnce(publicKey), 1, 'a public key: its first call at once, then one every 15 s');
  await db.destroy();
});

test("when an idle key has sent its burst, then the next caller waits the burst's pause and then a slot frees every interval", async () => {
  // Arrange: a 120-a-minute key (one interval = 500 ms) kept busy from idle
  const { log, db } = await freshLog();
  let now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const t0 = now;
  const limiter = new RateLimiter(log, 'k', { perMinute: 120, perDay: 10_000 }, () => now);
  const sent: number[] = [];

  // Act
  while (now < t0 + 3 * 60_000) {
    const slot = limiter.acquireCall();
    if (slot.ok) sent.push(now);
    else now = slot.retryAt;
  }

  // Assert: 8 at once, then no gap longer than the 8 intervals that pay the burst back
  assert.equal(sent.filter((t) => t === t0).length, 8);
  const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
  assert.ok(Math.max(...gaps) <= 8 * 500, `longest gap ${Math.max(...gaps)} ms`);
  assert.ok(gaps.slice(8).every((g) => g >= 400 && g <= 600), 'paced one interval apart after the pause');
  for (const t of sent) assert.ok(sent.filter((s) => s >= t && s <= t + 60_000).length <= 120, 'never more than 120 in a closed minute');
  assert.ok(sent.length >= 3 * 120 - 1, `${sent.length} calls in 3 minutes at 120 a minute`);
  await db.destroy();
});

test('when work keeps waiting past the first window, then slots come one interval apart instead of a window at a time', async () => {
  // Arrange: a key kept busy, asking again the moment the limiter says a slot frees (or 5 ms after a call)
  const { log, db } = await freshLog();
  let now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const t0 = now;
  const limiter = new RateLimiter(log, 'k', { perMinute: 4, perDay: 10_000 }, () => now);
  const sent: number[] = [];

  // Act: each answer comes back 300 ms after its call, and the limiter counts the call from then
  while (now < t0 + 10 * 60_000) {
    const slot = limiter.acquireCall();
    if (slot.ok) {
      sent.push(now);
      log.restamp(slot.callId, now + 300);
      now += 5;
    } else {
      now = slot.retryAt;
    }
  }

  // Assert
  const later = sent.filter((t) => t >= t0 + 2 * 60_000);
  const gaps = later.slice(1).map((t, i) => t - later[i]!);
  // 15 s apart on average; the window, counted from each answer 300 ms late, stretches one gap a window.
  assert.ok(gaps.every((g) => g >= 13_000 && g <= 17_000), `gaps after the first windows: ${gaps.join(', ')}`);
  for (const t of sent) assert.ok(sent.filter((s) => s >= t && s <= t + 60_000).length <= 4, 'never more than 4 in a closed minute');
  const fullMinutes = sent.filter((t) => t < t0 + 10 * 60_000).length;
  assert.ok(fullMinutes >= 39, `${fullMinutes} calls in 10 minutes at 4 a minute`);
  await db.destroy();
});

test('when the daily allowance is used, then requests wait until 00:00 UTC and resume after it', async () => {
  const { log, db } = await freshLog();
  let now = Date.UTC(2026, 10, 21, 23, 0, 0);
  const limiter = new RateLimiter(log, 'k', { perMinute: 100, perDay: 3 }, () => now);
  for (let i = 0; i < 3; i++) assert.equal(limiter.acquireCall().ok, true);
  assert.deepEqual(limiter.acquireCall(), { ok: false, retryAt: Date.UTC(2026, 10, 22), limit: 'day' });
  now = Date.UTC(2026, 10, 22, 0, 0, 1);
  assert.equal(limiter.acquireCall().ok, true);
  await db.destroy();
});

test('when the process restarts, then the counts kept in the database still apply', async () => {
  const { log, db } = await freshLog();
  let now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const first = new RateLimiter(log, 'k', { perMinute: 2, perDay: 500 }, () => now);
  assert.equal(first.acquireCall().ok, true);
  now += 30_000;
  assert.equal(first.acquireCall().ok, true);
  const second = new RateLimiter(log, 'k', { perMinute: 2, perDay: 500 }, () => now + 5);
  assert.equal(second.acquireCall().ok, false);
  assert.equal(new RateLimiter(log, 'other-key', { perMinute: 2, perDay: 500 }, () => now).acquireCall().ok, true);
  await db.destroy();
});

const idleQuota = (now: number, perMinute: number, burst: number) => ({
  usedInWindow: 0, usedToday: 0, perMinute, perDay: 500, windowMs: 60_000, nextSlotAt: now, dayExhausted: false,
  usedThisMonth: 0, perMonth: null, monthExhausted: false, atOnce: burst, burst,
});

test('when 10 calls wait on an idle 4-per-minute key, then the first goes now and the rest one interval (15 s) apart', () => {
  const now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const quota = idleQuota(now, 4, 1);
  assert.equal(estimateFinish(1, quota, now), now);
  assert.equal(estimateFinish(10, quota, now), now + 9 * 15_000);
  assert.equal(estimateFinish(0, quota, now), now);
});

test('when an idle 120-a-minute key gets its burst, then the burst is answered now and each later call half a second after the one before', () => {
  const now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const quota = idleQuota(now, 120, 8);
  assert.equal(estimateFinish(8, quota, now), now);
  assert.equal(estimateFinish(9, quota, now), now + 8 * 500);
});

test('when the calls exceed what is left today, then the estimate moves past 00:00 UTC', () => {
  const now = Date.UTC(2026, 10, 21, 22, 0, 0);
  const quota = { ...idleQuota(now, 4, 1), usedToday: 498 };
  const midnight = nextUtcMidnight(now);
  assert.equal(estimateFinish(2, quota, now), now + 15_000);
  assert.equal(estimateFinish(3, quota, now), midnight);
  assert.equal(estimateFinish(2 + 500 + 1, quota, now), midnight + 86_400_000);
});

test('when the window is full, then the next call is estimated for when it frees and the rest paced after it', () => {
  const now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const quota = { ...idleQuota(now, 4, 1), usedInWindow: 4, usedToday: 4, nextSlotAt: now + 40_000 };
  assert.equal(estimateFinish(1, quota, now), now + 40_000);
  assert.equal(estimateFinish(3, quota, now), now + 40_000 + 2 * 15_000);
});

test('when lookups are paused until a time, then the estimate starts from it', () => {
  const now = Date.UTC(2026, 10, 21, 10, 0, 0);
  const quota = idleQuota(now, 4, 1);
  assert.equal(estimateFinish(1, quota, now, now + 30_000), now + 30_000);
  assert.equal(estimateFinish(4, quota, now, now + 30_000), now + 30_000 + 3 * 15_000);
});

test('when a key sends as fast as its limiter allows, then the last call goes when the estimate said', async () => {
  for (const [perMinute, calls] of [[4, 10], [120, 50], [1000, 300]] as const) {
    // Arrange
    const { log, db } = await freshLog();
    let now = Date.UTC(2026, 10, 21, 10, 0, 0);
    const limiter = new RateLimiter(log, `k${perMinute}`, { perMinute, perDay: 100_000 }, () => now);
    const estimate = estimateFinish(calls, limiter.snapshot(), now);

    // Act: take every slot the moment it frees
    let last = now;
    for (let sent = 0; sent < calls; ) {
      const slot = limiter.acquireCall();
      if (slot.ok) {
        sent++;
        last = now;
      } else {
        now = slot.retryAt;
      }
    }

    // Assert: within one interval
    assert.ok(Math.abs(last - estimate) <= 60_000 / perMinute, `${perMinute}/min: last call at +${last - Date.UTC(2026, 10, 21, 10)} ms, estimated +${estimate - Date.UTC(2026, 10, 21, 10)} ms`);
    await db.destroy();
  }
});
