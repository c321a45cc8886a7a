import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';
import { createCallLog } from '../../src/lookups/call-log.repository.js';
import { keyFingerprint, keyHint, type ApiKey } from '../../src/lookups/api-key.js';
import { KeyRing, type KeyGrant, type PersonalKey } from '../../src/lookups/key-ring.js';
import { nextUtcMidnight } from '../../src/lookups/rate-limiter.js';

const WINDOW_MS = 60_000;
const AUTH_RETRY_MS = 10 * 60_000;
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);

const PREMIUM_SECRET = 'premium-shared-secret-0123456789abcdefPREM';
const PUBLIC_SECRET = 'public-shared-secret-0123456789abcdefPUBL';
const OWN_SECRET = 'personal-secret-of-user-one-0123456789OWN1';

const databases: Array<{ destroy(): Promise<void> }> = [];
after(async () => {
  for (const db of databases) await db.destroy();
});

/**
 * A KeyRing over a migrated SQLite call log, with a clock the test moves. These tests are about which
 * key takes a call, not pacing (rate-limiter.test.ts), so an idle key may spend its whole window at once.
 */
async function ringWith(shared: ApiKey[], start = T0) {
  const { db } = openDatabase(join(mkdtempSync(join(tmpdir(), 'key-ring-')), 'test.sqlite'));
  await migrateToLatest(db);
  databases.push(db);
  let t = start;
  const now = () => t;
  const ring = new KeyRing(await createCallLog(db), shared, AUTH_RETRY_MS, WINDOW_MS, now, (perMinute) => perMinute);
  return { ring, now, set: (at: number) => { t = at; }, advance: (ms: number) => { t += ms; } };
}

/** A shared key as src/lookups/create-lookup-engine.ts builds it from VT_API_KEY / VT_API_KEYS. */
function sharedKey(secret: string, perMinute: number, perDay: number, perMonth: number | null = null): ApiKey {
  return { id: keyFingerprint(secret), secret, hint: keyHint(secret), perMinute, perDay, perMonth, ownerId: null };
}

/** A user's own key as personal-keys.ts opens it from Settings. */
function personalKey(secret: string, ownerId: number, useShared: boolean, perMinute: number, perDay: number): PersonalKey {
  return { id: keyFingerprint(secret), secret, hint: keyHint(secret), perMinute, perDay, perMonth: null, ownerId, useShared };
}

function granted(grant: KeyGrant): Extract<KeyGrant, { ok: true }> {
  assert.ok(grant.ok, `expected a key, got ${JSON.stringify(grant)}`);
  return grant;
}

const USER = 1;
const OTHER_USER = 2;

describe('KeyRing', () => {
  it('when a premium key sits beside a public one, then calls go by free capacity, and when both windows are full the retry is the earliest free slot', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const pub = sharedKey(PUBLIC_SECRET, 4, 500);
    const { ring, set, advance } = await ringWith([pub, premium]);

    // Act: one call per millisecond until nothing is granted
    const keys: string[] = [];
    let refused: KeyGrant | null = null;
    for (let i = 0; i < 1010 && !refused; i++) {
      const grant = ring.acquireFor(USER);
      if (grant.ok) keys.push(grant.key.id);
      else refused = grant;
      advance(1);
    }

    // Assert
    assert.ok(keys.slice(0, 996).every((id) => id === premium.id), 'the first calls all go to the premium key');
    assert.equal(keys.filter((id) => id === premium.id).length, 1000);
    assert.equal(keys.filter((id) => id === pub.id).length, 4);
    assert.deepEqual(refused, { ok: false, retryAt: T0 + WINDOW_MS + 1 }, 'the premium key\'s first call leaves its window first');
    set(T0 + WINDOW_MS + 1);
    assert.equal(granted(ring.acquireFor(USER)).key.id, premium.id);
  });

  it('when a key\'s daily allowance is used, then only the other key serves, and with both spent calls wait for 00:00 UTC', async () => {
    // Arrange
    const a = sharedKey(PREMIUM_SECRET, 100, 3);
    const b = sharedKey(PUBLIC_SECRET, 100, 5);
    const { ring, now, set, advance } = await ringWith([a, b], Date.UTC(2026, 10, 21, 23, 0, 0));

    // Act
    const keys: string[] = [];
    for (let i = 0; i < 8; i++) {
      keys.push(granted(ring.acquireFor(USER)).key.id);
      advance(1_000);
    }
    const refused = ring.acquireFor(USER);

    // Assert
    assert.equal(keys.filter((id) => id === a.id).length, 3);
    assert.equal(keys.filter((id) => id === b.id).length, 5);
    assert.deepEqual(refused, { ok: false, retryAt: nextUtcMidnight(now()) });
    set(nextUtcMidnight(now()));
    assert.equal(ring.acquireFor(USER).ok, true, 'a new UTC day brings the allowance back');
  });

  it('when a user has their own key, then it is used first for them even beside a larger shared key', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const { ring } = await ringWith([premium]);
    const own = personalKey(OWN_SECRET, USER, true, 4, 500);
    ring.setPersonal(USER, own);

    // Act
    const keys = Array.from({ length: 5 }, () => granted(ring.acquireFor(USER)).key.id);

    // Assert
    assert.deepEqual(keys, [own.id, own.id, own.id, own.id, premium.id]);
  });

  it('when another user needs a key, then a personal key is never used for them, even with the shared key full', async () => {
    // Arrange
    const pub = sharedKey(PUBLIC_SECRET, 2, 500);
    const { ring } = await ringWith([pub]);
    const own = personalKey(OWN_SECRET, USER, true, 100, 500);
    ring.setPersonal(USER, own);

    // Act
    const first = granted(ring.acquireFor(OTHER_USER));
    const second = granted(ring.acquireFor(OTHER_USER));
    const third = ring.acquireFor(OTHER_USER);

    // Assert
    assert.equal(first.key.id, pub.id);
    assert.equal(second.key.id, pub.id);
    assert.deepEqual(third, { ok: false, retryAt: T0 + WINDOW_MS + 1 });
    assert.equal(granted(ring.acquireFor(USER)).key.id, own.id, 'the owner still has their key');
  });

  it('when the owner opted out of the shared keys, then only their key serves them and a full key means waiting', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const { ring } = await ringWith([premium]);
    const own = personalKey(OWN_SECRET, USER, false, 4, 500);
    ring.setPersonal(USER, own);

    // Act
    const keys = Array.from({ length: 4 }, () => granted(ring.acquireFor(USER)).key.id);
    const fifth = ring.acquireFor(USER);

    // Assert
    assert.deepEqual(keys, [own.id, own.id, own.id, own.id]);
    assert.deepEqual(fifth, { ok: false, retryAt: T0 + WINDOW_MS + 1 });
    assert.deepEqual(ring.canServe(USER), { ok: false, retryAt: T0 + WINDOW_MS + 1 });
    assert.equal(ring.servesOnlyOwnKey(USER), true);
    assert.equal(granted(ring.acquireFor(OTHER_USER)).key.id, premium.id, 'the shared key is untouched');
  });

  it('when the owner allows the shared keys and their key is full, then the shared keys take over', async () => {
    // Arrange
    const pub = sharedKey(PUBLIC_SECRET, 4, 500);
    const { ring } = await ringWith([pub]);
    const own = personalKey(OWN_SECRET, USER, true, 4, 500);
    ring.setPersonal(USER, own);

    // Act
    const keys = Array.from({ length: 8 }, () => granted(ring.acquireFor(USER)).key.id);
    const ninth = ring.acquireFor(USER);

    // Assert
    assert.deepEqual(keys, [own.id, own.id, own.id, own.id, pub.id, pub.id, pub.id, pub.id]);
    assert.equal(ninth.ok, false);
    assert.equal(ring.servesOnlyOwnKey(USER), false);
  });

  it('when VirusTotal answers 429 for one key, then only that key pauses for a window while the others keep serving', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const pub = sharedKey(PUBLIC_SECRET, 4, 500);
    const { ring, now, set } = await ringWith([premium, pub]);
    const sent = granted(ring.acquireFor(USER));
    assert.equal(sent.key.id, premium.id);

    // Act
    const pause = ring.quotaExceeded(sent.key, now());

    // Assert
    assert.ok(pause);
    assert.equal(pause.reason, 'quota');
    assert.equal(pause.until, T0 + WINDOW_MS);
    assert.match(pause.message, /per-minute/);
    assert.ok(pause.message.includes(premium.hint));
    const keys = Array.from({ length: 4 }, () => granted(ring.acquireFor(USER)).key.id);
    assert.deepEqual(keys, [pub.id, pub.id, pub.id, pub.id], 'the paused premium key is passed over despite its room');
    assert.deepEqual(ring.acquireFor(USER), { ok: false, retryAt: T0 + WINDOW_MS }, 'the pause ends before the public window frees');
    set(T0 + WINDOW_MS);
    assert.equal(granted(ring.acquireFor(USER)).key.id, premium.id);
  });

  it('when a key gets a 429 three times in a row, then it pauses until 00:00 UTC', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const { ring, now, set } = await ringWith([premium]);

    // Act: each 429 answers a call sent after the previous pause ended
    const pauses = [];
    for (let i = 0; i < 3; i++) {
      const sent = granted(ring.acquireFor(USER));
      const pause = ring.quotaExceeded(sent.key, now());
      assert.ok(pause);
      pauses.push(pause);
      if (i < 2) set(pause.until ?? Infinity);
    }

    // Assert
    assert.deepEqual(pauses.slice(0, 2).map((p) => p.until), [T0 + WINDOW_MS, T0 + 2 * WINDOW_MS]);
    const dayPause = pauses[2];
    assert.ok(dayPause);
    assert.equal(dayPause.until, nextUtcMidnight(now()));
    assert.match(dayPause.message, /daily quota/);
    assert.match(dayPause.message, /00:00 UTC/);
    assert.deepEqual(ring.acquireFor(USER), { ok: false, retryAt: nextUtcMidnight(now()) });
  });

  it('when several calls of one burst come back 429, then they count as one strike, not a lost day', async () => {
    // Arrange: three calls sent at once
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const { ring, now, advance } = await ringWith([premium]);
    const sentAt = now();
    const burst = Array.from({ length: 3 }, () => granted(ring.acquireFor(USER)));
    advance(300);

    // Act
    const pauses = burst.map((call) => ring.quotaExceeded(call.key, sentAt));

    // Assert
    assert.equal(pauses[2]?.until, now() + WINDOW_MS);
    assert.match(pauses[2]?.message ?? '', /per-minute/);
  });

  it('when a key works between two 429s, then its strikes start over', async () => {
    // Arrange: two strikes
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const { ring, now, set } = await ringWith([premium]);
    for (let i = 0; i < 2; i++) {
      const sent = granted(ring.acquireFor(USER));
      set(ring.quotaExceeded(sent.key, now())?.until ?? Infinity);
    }
    const answered = granted(ring.acquireFor(USER));
    ring.keyWorks(answered.key);

    // Act
    const sent = granted(ring.acquireFor(USER));
    const pause = ring.quotaExceeded(sent.key, now());

    // Assert
    assert.equal(pause?.until, now() + WINDOW_MS);
  });

  it('when VirusTotal refuses a shared key, then only that key pauses and the message names the shared key without its secret', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const pub = sharedKey(PUBLIC_SECRET, 4, 500);
    const { ring, now } = await ringWith([premium, pub]);

    // Act
    const pause = ring.keyRefused(premium, '401');

    // Assert
    assert.ok(pause);
    assert.equal(pause.reason, 'wrong_key');
    assert.equal(pause.until, now() + AUTH_RETRY_MS);
    assert.match(pause.message, /shared API key/);
    assert.ok(pause.message.includes(premium.hint));
    assert.ok(!pause.message.includes(PREMIUM_SECRET), 'the secret is in the message');
    const keys = Array.from({ length: 4 }, () => granted(ring.acquireFor(USER)).key.id);
    assert.deepEqual(keys, [pub.id, pub.id, pub.id, pub.id]);
  });

  it('when VirusTotal refuses a personal key, then the message says "your API key" without its secret', async () => {
    // Arrange
    const { ring } = await ringWith([sharedKey(PUBLIC_SECRET, 4, 500)]);
    const own = personalKey(OWN_SECRET, USER, true, 4, 500);
    ring.setPersonal(USER, own);

    // Act
    const pause = ring.keyRefused(own, '403');

    // Assert
    assert.ok(pause);
    assert.match(pause.message, /your API key/);
    assert.doesNotMatch(pause.message, /shared API key/);
    assert.ok(pause.message.includes(own.hint));
    assert.ok(!pause.message.includes(OWN_SECRET), 'the secret is in the message');
  });

  it('when a refused key\'s pause ends, then one call at a time goes to it until an answer shows it works', async () => {
    // Arrange
    const pub = sharedKey(PUBLIC_SECRET, 100, 500);
    const { ring, set } = await ringWith([pub]);
    ring.keyRefused(pub, '401');
    assert.deepEqual(ring.acquireFor(USER), { ok: false, retryAt: T0 + AUTH_RETRY_MS }, 'nothing goes while refused');
    set(T0 + AUTH_RETRY_MS);

    // Act
    const probe = granted(ring.acquireFor(USER));
    const whileProbing = ring.acquireFor(USER);
    ring.answered(probe.key, probe.callId);
    const secondProbe = granted(ring.acquireFor(USER));
    const whileSecondProbe = ring.acquireFor(USER);
    ring.answered(secondProbe.key, secondProbe.callId);
    ring.keyWorks(secondProbe.key);
    const afterWorks = [ring.acquireFor(USER), ring.acquireFor(USER), ring.acquireFor(USER)];

    // Assert
    assert.equal(whileProbing.ok, false, 'a second call while the probe is out');
    assert.equal(whileSecondProbe.ok, false, 'answered is not enough: still probing until keyWorks');
    assert.deepEqual(afterWorks.map((g) => g.ok), [true, true, true]);
  });

  it('when no key exists at all, then the user is told lookups wait for an API key', async () => {
    // Arrange
    const { ring } = await ringWith([]);

    // Act
    const block = ring.blockFor(USER);

    // Assert
    assert.equal(block?.reason, 'no_key');
    assert.equal(block?.until, null);
    assert.deepEqual(ring.acquireFor(USER), { ok: false, retryAt: null });
    assert.equal(ring.blockForAll()?.reason, 'no_key');
  });

  it('when every key has spent its day, then the block is quota until 00:00 UTC; while one has room, there is none', async () => {
    // Arrange
    const a = sharedKey(PREMIUM_SECRET, 100, 2);
    const b = sharedKey(PUBLIC_SECRET, 100, 2);
    const { ring, now } = await ringWith([a, b]);
    for (let i = 0; i < 3; i++) granted(ring.acquireFor(USER));
    const oneLeft = ring.blockFor(USER);

    // Act
    granted(ring.acquireFor(USER));
    const block = ring.blockFor(USER);

    // Assert
    assert.equal(oneLeft, null);
    assert.equal(block?.reason, 'quota');
    assert.equal(block?.until, nextUtcMidnight(now()));
    assert.equal(ring.blockForAll()?.reason, 'quota');
  });

  it('when a user\'s own key is refused, then it is reported to them even while the shared keys serve them', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const { ring } = await ringWith([premium]);
    const own = personalKey(OWN_SECRET, USER, true, 4, 500);
    ring.setPersonal(USER, own);

    // Act
    ring.keyRefused(own, '401');

    // Assert
    const block = ring.blockFor(USER);
    assert.equal(block?.reason, 'wrong_key');
    assert.match(block?.message ?? '', /your API key/);
    assert.equal(granted(ring.acquireFor(USER)).key.id, premium.id);
    assert.equal(ring.blockFor(OTHER_USER), null, 'other users are not told about it');
  });

  it('when estimating, then the quota is the sum of the keys serving the user, without refused ones', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const pub = sharedKey(PUBLIC_SECRET, 4, 500);
    const { ring } = await ringWith([premium, pub]);
    const own = personalKey(OWN_SECRET, USER, true, 10, 100);
    ring.setPersonal(USER, own);
    granted(ring.acquireFor(USER));
    granted(ring.acquireFor(USER));

    // Act
    const before = ring.quotaFor(USER);
    ring.keyRefused(own, '401');
    const afterRefusal = ring.quotaFor(USER);

    // Assert
    assert.equal(before.perMinute, 1014);
    assert.equal(before.perDay, 50_600);
    assert.equal(before.usedInWindow, 2);
    assert.equal(ring.quotaFor(OTHER_USER).perMinute, 1004, 'another user\'s key serves nobody else');
    assert.equal(afterRefusal.perMinute, 1004);
    assert.equal(afterRefusal.perDay, 50_500);
    assert.equal(afterRefusal.usedInWindow, 0);
  });

  it('when the operator lists the keys, then shared and personal keys show their usage and pauses but never a secret', async () => {
    // Arrange
    const premium = sharedKey(PREMIUM_SECRET, 1000, 50_000);
    const pub = sharedKey(PUBLIC_SECRET, 4, 500);
    const { ring } = await ringWith([premium, pub]);
    const own = personalKey(OWN_SECRET, USER, false, 10, 100);
    ring.setPersonal(USER, own);
    for (let i = 0; i < 3; i++) granted(ring.acquireFor(USER));
    ring.keyRefused(pub, '401');

    // Act
    const statuses = ring.statuses();

    // Assert
    const byId = new Map(statuses.map((s) => [s.id, s]));
    assert.deepEqual([...byId.keys()].sort(), [premium.id, pub.id, own.id].sort());
    assert.equal(byId.get(own.id)?.ownerId, USER);
    assert.equal(byId.get(own.id)?.usedInWindow, 3);
    assert.equal(byId.get(own.id)?.usedToday, 3);
    assert.equal(byId.get(own.id)?.perMinute, 10);
    assert.equal(byId.get(premium.id)?.ownerId, null);
    assert.equal(byId.get(premium.id)?.usedInWindow, 0);
    assert.equal(byId.get(pub.id)?.pause?.reason, 'wrong_key');
    assert.equal(byId.get(premium.id)?.pause, null);
    const json = JSON.stringify(statuses);
    for (const secret of [PREMIUM_SECRET, PUBLIC_SECRET, OWN_SECRET]) assert.ok(!json.includes(secret), 'a secret is in the key statuses');
  });

  it('when a call is answered, then it counts in the window from the answer, not from when it was sent', async () => {
    // Arrange: a 2-per-minute key, both calls sent at T0, the first answered 30 s later
    const pub = sharedKey(PUBLIC_SECRET, 2, 500);
    const { ring, set } = await ringWith([pub]);
    const first = granted(ring.acquireFor(USER));
    granted(ring.acquireFor(USER));
    set(T0 + 30_000);

    // Act
    ring.answered(first.key, first.callId);
    set(T0 + WINDOW_MS + 1);
    const third = ring.acquireFor(USER);
    const fourth = ring.acquireFor(USER);

    // Assert: only the unanswered call has left the window
    assert.equal(third.ok, true);
    assert.deepEqual(fourth, { ok: false, retryAt: T0 + 30_000 + WINDOW_MS + 1 });
  });
  it('when the clock ticks between reads, then a key with a free slot is still said to serve now, not a millisecond later', async () => {
    // Arrange: a real clock moves on while a check runs; this one moves 1 ms at every read
    const key = sharedKey(PUBLIC_SECRET, 1000, 100_000);
    const { db } = openDatabase(join(mkdtempSync(join(tmpdir(), 'key-ring-')), 'test.sqlite'));
    await migrateToLatest(db);
    databases.push(db);
    let t = T0;
    const ring = new KeyRing(await createCallLog(db), [key], AUTH_RETRY_MS, WINDOW_MS, () => t++);
    granted(ring.acquireFor(USER));

    // Act: the idle key's burst has calls left, so nothing has to wait
    const can = ring.canServe(USER);

    // Assert: a "wait 1 ms" here made the scheduler idle with work due, and whenIdle resolve too early
    assert.deepEqual(can, { ok: true });
  });
});
