import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { type TestApp } from '../helpers/test-app.js';
import { formAlert } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import type { AuthLimits } from '../../src/auth/throttle.js';
import { pruneThrottles } from '../../src/auth/throttle.service.js';

const PASSWORD = 'Correct-Horse-Battery-42';
const WRONG = 'Not-The-Password-7781';
const SIGN_IN_REFUSED = 'Too many sign-in attempts for this account or from this address.';
const MINUTE_MS = 60_000;

/**
 * Small enough to walk through in a test: 3 free tries, waits of 5 and 10 s, the 6th locks for 10
 * minutes. The waits are long against a request, even on a busy machine, and tests end them by
 * moving them into the past (passWait) rather than sleeping.
 */
const TIGHT: AuthLimits = {
  loginAccount: { free: 3, baseDelayMs: 5000, lockAfter: 6, lockMs: 10 * MINUTE_MS, windowMs: 10 * MINUTE_MS },
  loginIp: { free: 5, baseDelayMs: MINUTE_MS, lockAfter: 8, lockMs: 10 * MINUTE_MS, windowMs: 10 * MINUTE_MS },
  registerIp: { free: 3, baseDelayMs: 0, lockAfter: 3, lockMs: 60 * MINUTE_MS, windowMs: 60 * MINUTE_MS },
};

interface Answer {
  status: number;
  html: string;
  alert: string | undefined;
  ms: number;
  retryAfter: string | null;
}

interface ThrottleRow {
  failures: number;
  first_at: number;
  next_allowed_at: number;
  locked_until: number;
}

let counter = 0;
/** A documentation address (TEST-NET-3) no other test uses. */
function newAddress(): string {
  counter += 1;
  return `203.0.113.${counter}`;
}

/** Posts a form as a browser behind the proxy at `address` would, timing the POST alone. */
async function post(app: TestApp, path: string, fields: Record<string, string>, address?: string): Promise<Answer> {
  const client = app.client();
  const headers: Record<string, string> = address ? { 'x-forwarded-for': address } : {};
  const page = await client.get(path, { headers });
  const started = performance.now();
  const response = await client.request(path, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: client.csrfToken(page.html), ...fields }).toString(),
  });
  const html = await response.text();
  return { status: response.status, html, alert: formAlert(html), ms: performance.now() - started, retryAfter: response.headers.get('retry-after') };
}

const login = (app: TestApp, email: string, password: string, address?: string) => post(app, '/login', { email, password }, address);
const register = (app: TestApp, email: string, address?: string) => post(app, '/register', { email, password: PASSWORD, confirm: PASSWORD }, address);

async function throttleRow(app: TestApp, key: string): Promise<ThrottleRow | undefined> {
  return await app.db.row<ThrottleRow>('SELECT * FROM auth_throttle WHERE key = ?', key);
}

async function userCount(app: TestApp, email: string): Promise<number> {
  return (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM users WHERE email = ?', email))?.n ?? -1;
}

/** As if the counter's current wait (not its lock) had run out. */
async function passWait(app: TestApp, key: string): Promise<void> {
  await app.db.run('UPDATE auth_throttle SET next_allowed_at = CASE WHEN next_allowed_at < ? THEN next_allowed_at ELSE ? END WHERE key = ?', Date.now() - 1, Date.now() - 1, key);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

describe('sign-in and registration limits (behind a trusted proxy, tight limits)', () => {

  const app = appSuite({ env: { TRUST_PROXY: 'loopback' }, tuning: { authLimits: TIGHT } });

  test('when an account gets wrong passwords past the free ones, then each further try waits longer, a refused one is 429 and not counted, and the right password clears the count', async () => {
    // Arrange: each try from a new address, so only the account's count is in play.
    const email = uniqueEmail('throttle');
    assert.equal((await register(app, email, newAddress())).status, 303);
    const key = `login-account:${email}`;

    // Act + Assert: three free wrong tries.
    for (let i = 0; i < 3; i += 1) assert.equal((await login(app, email, WRONG, newAddress())).status, 401);
    assert.equal((await throttleRow(app, key))?.next_allowed_at, 0, 'the free tries set no wait');

    // The 4th wrong try is answered, and makes the next one wait the base delay.
    const fourthAt = Date.now();
    assert.equal((await login(app, email, WRONG, newAddress())).status, 401);
    const afterFourth = await throttleRow(app, key);
    assert.equal(afterFourth?.failures, 4);
    assert.ok(afterFourth.next_allowed_at >= fourthAt + 5000 && afterFourth.next_allowed_at <= Date.now() + 5000, 'the first wait is 5 s');

    // Even the right password is refused during the wait, with the same message as for anyone, and not counted.
    const refused = await login(app, email, PASSWORD, newAddress());
    assert.equal(refused.status, 429);
    assert.equal(refused.alert, `${SIGN_IN_REFUSED} Try again in 5 seconds.`);
    assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 5, `Retry-After ${refused.retryAfter}`);
    assert.match(refused.html, new RegExp(`value="${email.replace(/[.+]/g, '\\$&')}"`), 'the email is kept in the form');
    assert.deepEqual(await throttleRow(app, key), afterFourth, 'a refused try changed the count');

    // After the wait, the 5th wrong try doubles the wait.
    await passWait(app, key);
    const fifthAt = Date.now();
    assert.equal((await login(app, email, WRONG, newAddress())).status, 401);
    const afterFifth = await throttleRow(app, key);
    assert.ok(afterFifth && afterFifth.next_allowed_at >= fifthAt + 10_000 && afterFifth.next_allowed_at <= Date.now() + 10_000, 'the second wait is 10 s');
    assert.equal((await login(app, email, PASSWORD, newAddress())).status, 429);

    // After that wait the right password signs in and the account's count is gone.
    await passWait(app, key);
    assert.equal((await login(app, email, PASSWORD, newAddress())).status, 303);
    assert.equal(await throttleRow(app, key), undefined);
  });

  test('when a known and an unknown email get the same wrong tries, then both answer alike, both lock out, and a refused try costs no password check', async () => {
    // Arrange
    const known = uniqueEmail('known');
    assert.equal((await register(app, known, newAddress())).status, 303);
    const unknown = uniqueEmail('unknown');

    // Act: six wrong tries each (waiting out the delays), then the right password.
    const run = async (email: string) => {
      const answers: Answer[] = [];
      for (let i = 0; i < 6; i += 1) {
        await passWait(app, `login-account:${email}`);
        answers.push(await login(app, email, WRONG, newAddress()));
      }
      answers.push(await login(app, email, PASSWORD, newAddress()));
      for (let i = 0; i < 3; i += 1) answers.push(await login(app, email, PASSWORD, newAddress()));
      return answers;
    };
    const knownAnswers = await run(known);
    const unknownAnswers = await run(unknown);

    // Assert: the same statuses and messages for both, the lock stated in minutes.
    const shape = (answers: Answer[]) => answers.map((a) => `${a.status} ${a.alert ?? ''}`);
    assert.deepEqual(shape(knownAnswers), shape(unknownAnswers));
    assert.deepEqual(knownAnswers.map((a) => a.status), [401, 401, 401, 401, 401, 401, 429, 429, 429, 429]);
    assert.equal(knownAnswers[6]?.alert, `${SIGN_IN_REFUSED} Try again in 10 minutes.`);
    assert.ok(((await throttleRow(app, `login-account:${known}`))?.locked_until ?? 0) > Date.now() + 9 * MINUTE_MS);
    // A refused try skips argon2: far quicker than one that checks a password.
    const checked = median([...knownAnswers, ...unknownAnswers].filter((a) => a.status === 401).map((a) => a.ms));
    const refused = median([...knownAnswers, ...unknownAnswers].filter((a) => a.status === 429).map((a) => a.ms));
    assert.ok(refused < checked / 2, `refused tries took ${refused.toFixed(1)} ms, checked ones ${checked.toFixed(1)} ms`);
  });

  test('when one address sends too many wrong passwords across accounts, then it is refused for any account while other addresses still sign in', async () => {
    // Arrange
    const attacker = newAddress();
    const victim = uniqueEmail('victim');
    assert.equal((await register(app, victim, newAddress())).status, 303);

    // Act: five free wrong tries at five emails, a sixth that sets the address's wait.
    for (let i = 0; i < 6; i += 1) assert.equal((await login(app, uniqueEmail('sprayed'), WRONG, attacker)).status, 401);
    const fromAttacker = await login(app, victim, PASSWORD, attacker);
    const fromElsewhere = await login(app, victim, PASSWORD, newAddress());

    // Assert
    assert.equal(fromAttacker.status, 429);
    assert.equal(fromAttacker.alert, `${SIGN_IN_REFUSED} Try again in 1 minute.`);
    assert.equal(fromElsewhere.status, 303);
  });

  test('when someone signs in after wrong tries from their address, then the account count is cleared but the address only gets that one try back', async () => {
    // Arrange
    const address = newAddress();
    const email = uniqueEmail('own');
    assert.equal((await register(app, email, newAddress())).status, 303);
    for (let i = 0; i < 2; i += 1) assert.equal((await login(app, uniqueEmail('other'), WRONG, address)).status, 401);
    assert.equal((await login(app, email, WRONG, address)).status, 401);

    // Act
    assert.equal((await login(app, email, PASSWORD, address)).status, 303);

    // Assert
    assert.equal(await throttleRow(app, `login-account:${email}`), undefined);
    assert.equal((await throttleRow(app, `login-ip:${address}`))?.failures, 3);
  });

  test('when one address registers past the hourly limit, then it is refused with 429 and no account, counting "already exists" answers, while other addresses register', async () => {
    // Arrange: two accounts and one attempt at an existing email use up the three.
    const address = newAddress();
    const first = uniqueEmail('reg');
    assert.equal((await register(app, first, address)).status, 303);
    assert.equal((await register(app, uniqueEmail('reg'), address)).status, 303);
    assert.equal((await register(app, first, address)).status, 409);

    // Act
    const email = uniqueEmail('reg');
    const refused = await register(app, email, address);
    const elsewhere = await register(app, uniqueEmail('reg'), newAddress());

    // Assert
    assert.equal(refused.status, 429);
    assert.equal(refused.alert, 'Too many accounts were created from this address. Try again in 60 minutes.');
    assert.match(refused.html, /<button type="submit">Create account<\/button>/);
    assert.ok(!refused.html.includes(PASSWORD), 'the password was echoed');
    assert.equal(await userCount(app, email), 0);
    assert.equal(elsewhere.status, 303);
  });

  test('when housekeeping prunes counters, then only those whose window and waits are over go', async () => {
    // Arrange
    const now = Date.now();
    const insert = async (...row: [string, number, number, number, number]) =>
      await app.db.run('INSERT INTO auth_throttle (key, failures, first_at, next_allowed_at, locked_until) VALUES (?, ?, ?, ?, ?)', ...row);
    const old = now - 61 * MINUTE_MS;
    await insert('login-account:stale@example.test', 2, old, 0, 0);
    await insert('login-account:still-locked@example.test', 6, old, 0, now + MINUTE_MS);
    await insert('login-account:recent@example.test', 1, now - MINUTE_MS, 0, 0);

    // Act
    await pruneThrottles(app.runtime.database.db, TIGHT, now);

    // Assert
    assert.equal(await throttleRow(app, 'login-account:stale@example.test'), undefined);
    assert.ok(await throttleRow(app, 'login-account:still-locked@example.test'));
    assert.ok(await throttleRow(app, 'login-account:recent@example.test'));
  });

  test('when the proxy is trusted, then the address counted is the one it forwards', async () => {
    const address = newAddress();
    await login(app, uniqueEmail('forwarded'), WRONG, address);
    assert.equal((await throttleRow(app, `login-ip:${address}`))?.failures, 1);
  });
});

describe('sign-in without a trusted proxy (default settings)', () => {

  const app = appSuite();

  test('when a client sends its own X-Forwarded-For, then it is ignored and the connection address is counted', async () => {
    // Act
    const spoofed = '198.51.100.99';
    assert.equal((await login(app, uniqueEmail('spoof'), WRONG, spoofed)).status, 401);

    // Assert
    assert.equal(await throttleRow(app, `login-ip:${spoofed}`), undefined);
    assert.ok(((await throttleRow(app, 'login-ip:127.0.0.1'))?.failures ?? 0) >= 1);
  });

  test('when the email is unknown or the password wrong, then the answer is the same and both take about one argon2 check', async (t) => {
    // Arrange: five accounts, one wrong try each (so no per-account wait starts), and a warm-up of each path.
    const emails: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const email = uniqueEmail('timing');
      assert.equal((await register(app, email)).status, 303);
      emails.push(email);
    }
    await login(app, uniqueEmail('warm-up'), WRONG);
    const hash = await hashPassword(PASSWORD);
    const argon2Ms: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      await verifyPassword(hash, WRONG);
      argon2Ms.push(performance.now() - started);
    }

    // Act: interleaved, so a slow moment of the machine hits both paths alike.
    const wrongPassword: Answer[] = [];
    const unknownEmail: Answer[] = [];
    for (const email of emails) {
      wrongPassword.push(await login(app, email, WRONG));
      unknownEmail.push(await login(app, uniqueEmail('nobody'), WRONG));
    }

    // Assert: one answer for both…
    for (const answer of [...wrongPassword, ...unknownEmail]) {
      assert.equal(answer.status, 401);
      assert.equal(answer.alert, 'Wrong email or password.');
    }
    // …in about the same time: each path runs one argon2 check, which is most of the time taken.
    const wrongMs = median(wrongPassword.map((a) => a.ms));
    const unknownMs = median(unknownEmail.map((a) => a.ms));
    const oneCheck = median(argon2Ms);
    const timings = `wrong password ${wrongMs.toFixed(1)} ms, unknown email ${unknownMs.toFixed(1)} ms, one argon2 check ${oneCheck.toFixed(1)} ms`;
    t.diagnostic(timings);
    assert.ok(wrongMs >= oneCheck / 2 && unknownMs >= oneCheck / 2, `a path skipped argon2: ${timings}`);
    assert.ok(unknownMs / wrongMs > 0.5 && unknownMs / wrongMs < 2, timings);
  });
});
