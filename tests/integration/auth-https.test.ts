import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';

/**
 * APP_URL is https: the app sits behind a TLS-terminating proxy (trust proxy 1), which says so in
 * X-Forwarded-Proto. The session cookie must then be Secure.
 */
const COOKIE = 'hash_report.sid';
const PASSWORD = 'Correct-Horse-Battery-42';
const VIA_HTTPS = { 'x-forwarded-proto': 'https' };

const app = appSuite({ env: { APP_URL: 'https://reports.example.test' } });

async function get(client: HttpClient, path: string, headers: Record<string, string> = VIA_HTTPS) {
  const response = await client.request(path, { headers });
  return Object.assign(response, { html: await response.text() });
}

async function post(client: HttpClient, path: string, fields: Record<string, string>, tokenFrom: string) {
  const token = client.csrfToken((await get(client, tokenFrom)).html);
  const response = await client.request(path, {
    method: 'POST',
    headers: { ...VIA_HTTPS, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
  });
  return Object.assign(response, { html: await response.text() });
}

function sessionCookieAttrs(response: Response): string[] | undefined {
  const line = response.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`));
  return line?.split(';').map((part) => part.trim().toLowerCase());
}

describe('session cookie behind https', () => {
  it('when APP_URL is https and the proxy forwards an https request, then the session cookie is Secure, HttpOnly and SameSite=Lax', async () => {
    const client = app.client();
    const email = uniqueEmail('https');
    await post(client, '/register', { email, password: PASSWORD, confirm: PASSWORD }, '/register');
    const response = await post(client, '/login', { email, password: PASSWORD }, '/login');
    assert.equal(response.status, 303);
    const attrs = sessionCookieAttrs(response);
    assert.ok(attrs, 'no session cookie on login');
    assert.ok(attrs.includes('secure'), attrs.join('; '));
    assert.ok(attrs.includes('httponly'), attrs.join('; '));
    assert.ok(attrs.includes('samesite=lax'), attrs.join('; '));
  });

  it('when APP_URL is https, then registering through the proxy signs the user in and the Secure cookie authenticates later requests', async () => {
    const client = app.client();
    const email = uniqueEmail('https');
    const response = await post(client, '/register', { email, password: PASSWORD, confirm: PASSWORD }, '/register');
    assert.equal(response.status, 303);
    assert.ok(sessionCookieAttrs(response)?.includes('secure'));
    const list = await get(client, '/reports');
    assert.equal(list.status, 200);
    assert.ok(list.html.includes(email));
    const logout = await post(client, '/logout', {}, '/reports');
    assert.equal(logout.status, 303);
    const afterLogout = await get(client, '/reports');
    assert.equal(afterLogout.status, 303);
  });

  it('when APP_URL is https, then the sign-in form\'s cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Lax and Path=/ without a Domain, and the form works with it', async () => {
    const client = app.client();
    const page = await get(client, '/register');
    const line = page.headers.getSetCookie().find((l) => l.startsWith('__Host-hash_report.csrf='));
    assert.ok(line, `no __Host- cookie: ${page.headers.getSetCookie().join(' | ')}`);
    const attrs = line.split(';').map((part) => part.trim().toLowerCase());
    for (const flag of ['secure', 'httponly', 'samesite=lax', 'path=/']) assert.ok(attrs.includes(flag), line);
    assert.ok(!attrs.some((a) => a.startsWith('domain=')), line);
    assert.equal(sessionCookieAttrs(page), undefined, 'the form set a session cookie');
    const registered = await post(client, '/register', { email: uniqueEmail('https'), password: PASSWORD, confirm: PASSWORD }, '/register');
    assert.equal(registered.status, 303);
  });

  it('when APP_URL is https and a request arrives over plain http, then no session cookie is sent', async () => {
    const response = await get(app.client(), '/login', {});
    assert.equal(response.status, 200);
    assert.equal(sessionCookieAttrs(response), undefined, 'a Secure session cookie was sent over plain http');
  });

  it('when APP_URL is https, then CSP upgrades insecure requests and HSTS is sent', async () => {
    const response = await get(app.client(), '/login');
    assert.match(response.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
    assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
  });
});
