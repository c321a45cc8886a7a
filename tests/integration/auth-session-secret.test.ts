import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { sameDatabase, startTestApp, type TestApp } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';

const COOKIE = 'hash_report.sid';
const PASSWORD = 'Correct-Horse-Battery-42';

/** Whether an express-session cookie value ("s:<sid>.<sig>", URL-encoded) is signed with this secret. */
function signedWith(cookieValue: string, secret: string): boolean {
  const raw = decodeURIComponent(cookieValue);
  const dot = raw.lastIndexOf('.');
  const sid = raw.slice(2, dot);
  const expected = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return raw.startsWith('s:') && raw.slice(dot + 1) === expected;
}

async function storedSecret(app: TestApp): Promise<string | undefined> {
  return (await app.db.row<{ value: string }>('SELECT value FROM app_settings WHERE key = ?', 'session_secret'))?.value;
}

async function signedUpCookie(app: TestApp): Promise<{ email: string; cookie: string }> {
  const client = app.client();
  const email = uniqueEmail('secret');
  assert.equal((await client.register(email, PASSWORD)).status, 303);
  const cookie = client.cookie(COOKIE);
  assert.ok(cookie);
  return { email, cookie };
}

async function reportsWithCookie(url: string, cookie: string) {
  const response = await new HttpClient(url).request('/reports', { headers: { cookie: `${COOKIE}=${cookie}` } });
  return Object.assign(response, { html: await response.text() });
}

describe('SESSION_SECRET unset', () => {
  const app = appSuite();

  it('when SESSION_SECRET is unset, then a long random secret is stored in app_settings and signs the cookies', async () => {
    const secret = await storedSecret(app);
    assert.ok(secret, 'no session_secret in app_settings');
    assert.ok(secret.length >= 32, `stored secret is only ${secret.length} characters`);
    const { cookie } = await signedUpCookie(app);
    assert.ok(signedWith(cookie, secret), 'the cookie is not signed with the stored secret');
  });

  it('when the app restarts on the same database, then the secret is kept and the same cookie still authenticates', async () => {
    const { email, cookie } = await signedUpCookie(app);
    const secret = await storedSecret(app);
    await app.stopApp();
    const restarted = await startTestApp({ ...sameDatabase(app), sim: app.sim });
    try {
      assert.equal(await storedSecret(restarted), secret, 'the secret changed on restart');
      const page = await reportsWithCookie(restarted.url, cookie);
      assert.equal(page.status, 200, 'the session did not survive the restart');
      assert.ok(page.html.includes(email));
    } finally {
      await restarted.stop();
    }
  });
});

describe('SESSION_SECRET set', () => {
  const secret = 'configured-session-secret-0123456789-abcdef';
  const app = appSuite({ env: { SESSION_SECRET: secret } });

  it('when SESSION_SECRET is set, then it signs the cookies and no secret is stored', async () => {
    const { email, cookie } = await signedUpCookie(app);
    assert.ok(signedWith(cookie, secret), 'the cookie is not signed with SESSION_SECRET');
    assert.equal(await storedSecret(app), undefined, 'a secret was stored although SESSION_SECRET is set');
    const page = await reportsWithCookie(app.url, cookie);
    assert.equal(page.status, 200);
    assert.ok(page.html.includes(email));
  });

  it('when SESSION_SECRET is set, then the sign-in form\'s token is an HMAC of its cookie under a key derived from it, and a token under the secret itself or another secret is refused', async () => {
    // Arrange
    const { email } = await signedUpCookie(app);
    const client = app.client();
    const shown = client.csrfToken((await client.get('/login')).html);
    const nonce = client.cookie('hash_report.csrf') ?? '';
    const tokenUnder = (key: Buffer | string) => createHmac('sha256', key).update(nonce).digest('base64url');
    const derived = (from: string) => Buffer.from(hkdfSync('sha256', from, '', 'hash_report anonymous form CSRF v1', 32));

    // Assert: the token is the derived key's HMAC of the cookie, and no other key's
    assert.equal(shown, tokenUnder(derived(secret)));
    for (const key of [secret, derived('another-session-secret-0123456789-abcdef')]) {
      const refused = await client.postForm('/login', { _csrf: tokenUnder(key), email, password: PASSWORD });
      assert.equal(refused.status, 403);
      assert.match(refused.html, /<h1>Form expired<\/h1>/);
    }
    assert.equal((await client.postForm('/login', { _csrf: shown, email, password: PASSWORD })).status, 303);
  });
});
