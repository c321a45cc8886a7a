import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp } from '../helpers/test-app.js';
import { sidOf, sessionRow } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { signedIn, sleep } from '../helpers/factories.js';

const COOKIE = 'hash_report.sid';
const EXPIRED = 'Your session expired; sign in again.';

/** The session cookie's Expires, as epoch milliseconds. */
function cookieExpires(response: Response): number {
  const line = response.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`));
  const expires = /;\s*Expires=([^;]+)/i.exec(line ?? '')?.[1];
  assert.ok(expires, `no Expires on the session cookie: ${line}`);
  return Date.parse(expires);
}

/** The session cookie's Expires, in milliseconds from the response's Date. */
function cookieLifetimeMs(response: Response): number {
  return cookieExpires(response) - Date.parse(response.headers.get('date') ?? '');
}

async function assertExpiredOnNextPage(app: TestApp, client: HttpClient): Promise<void> {
  const sid = sidOf(client.cookie(COOKIE));
  const bounce = await client.get('/reports');
  assert.equal(bounce.status, 303);
  assert.equal(bounce.headers.get('location'), '/login?next=%2Freports&expired=1');
  assert.equal(await sessionRow(app, sid), undefined, 'the expired session row is still stored');
  const login = await client.get(bounce.headers.get('location') ?? '');
  assert.match(login.html, new RegExp(`<p class="notice" role="status">${EXPIRED}</p>`));
  assert.match(login.html, /name="next" value="\/reports"/);
  // Signed out for good: the next page is a plain redirect, no longer "expired".
  assert.equal((await client.get('/reports')).headers.get('location'), '/login?next=%2Freports');
}

describe('idle limit (SESSION_IDLE_MINUTES=0.02, 1.2 s)', () => {
  const app = appSuite({ env: { SESSION_IDLE_MINUTES: '0.02' } });

  test('when a signed-in user keeps making requests inside the idle limit, then they stay signed in past it', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act + Assert: 2.4 s of requests, 0.4 s apart.
    for (let i = 0; i < 6; i += 1) {
      await sleep(400);
      assert.equal((await client.get('/reports')).status, 200, `signed out after ${(i + 1) * 400} ms of activity`);
    }
  });

  test('when a signed-in user is idle past the limit, then the next page sends them to /login with next and "Your session expired; sign in again."', async () => {
    // Arrange
    const client = await signedIn(app);
    assert.equal((await client.get('/reports')).status, 200);

    // Act
    await sleep(1500);

    // Assert
    await assertExpiredOnNextPage(app, client);
  });

  test('when the session cookie is sent, then it lapses at the idle limit', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act
    const response = await client.get('/reports');

    // Assert: Expires is in whole seconds, so 1.2 s shows as 0 to 2 s.
    const lifetime = cookieLifetimeMs(response);
    assert.ok(lifetime >= 0 && lifetime <= 2000, `cookie lifetime ${lifetime} ms`);
  });
});

describe('absolute limit (SESSION_MAX_HOURS=0.001, 3.6 s; idle limit 60 minutes)', () => {
  const app = appSuite({ env: { SESSION_MAX_HOURS: '0.001' } });

  test('when a signed-in user stays active past the absolute limit, then the session ends anyway with the same message', async () => {
    // Arrange
    const client = await signedIn(app);

    const signedInAt = Date.now();

    // Act: active every 300 ms for 2 s of the 3.6, then one request after the limit.
    while (Date.now() - signedInAt < 2000) {
      await sleep(300);
      assert.equal((await client.get('/reports')).status, 200, `signed out after ${Date.now() - signedInAt} ms`);
    }
    await sleep(signedInAt + 3800 - Date.now());

    // Assert
    await assertExpiredOnNextPage(app, client);
  });

  test('when the idle limit is the default 60 minutes, then the session cookie lasts 60 minutes from each response', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act
    const first = await client.get('/reports');
    await sleep(1050);
    const second = await client.get('/reports');

    // Assert
    const lifetime = cookieLifetimeMs(second);
    assert.ok(Math.abs(lifetime - 3_600_000) <= 2000, `cookie lifetime ${lifetime} ms`);
    assert.ok(cookieExpires(second) - cookieExpires(first) >= 1000, 'the second response did not push the expiry on');
  });
});
