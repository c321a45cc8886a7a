/**
 * Personal API tokens: made and revoked in Settings, shown once, stored as a hash, and the only way
 * into /api (a session cookie is not). Over real HTTP against the whole app.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { appSuite } from '../helpers/app-suite.js';
import { userIdOf } from '../helpers/page.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { adminClient, hex, signedIn, uploadHashes } from '../helpers/factories.js';

const PASSWORD = 'correct horse battery'; // what HttpClient.register uses
const ADMIN_EMAIL = uniqueEmail('tokens-admin');
const TOKEN_PATTERN = /hr_[A-Za-z0-9_-]{43}/g;

interface TokenRow {
  id: number;
  user_id: number;
  name: string;
  token_sha256: string;
  hint: string;
  last_used_at: number | null;
  revoked_at: number | null;
}

interface ErrorBody {
  error: { code: string; message: string };
}

const logLines: string[] = [];
// Every log line, at the most verbose level, to show no token ever reaches one.
const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
const app = appSuite({ env: { API_REQUESTS_PER_MINUTE: '10000' }, tuning: { logger } });

const tokenRows = async (userId: number) =>
  await app.db.rows<TokenRow>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY id', userId);

/** Creates a token through the Settings form; returns it and the page that showed it. */
async function createToken(client: HttpClient, name: string): Promise<{ token: string; html: string }> {
  const answer = await client.postForm('/settings/api-tokens', { tokenName: name }, '/settings');
  assert.equal(answer.status, 201, answer.html.slice(0, 300));
  const shown = [...new Set(answer.html.match(TOKEN_PATTERN) ?? [])];
  assert.equal(shown.length, 1, 'the answer shows exactly one token');
  return { token: shown[0] ?? '', html: answer.html };
}

/** A call to the API with `authorization` as given (none when undefined). */
function api(path: string, authorization?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (authorization !== undefined) headers.set('authorization', authorization);
  return fetch(new URL(path, app.url), { ...init, headers, redirect: 'manual' });
}

async function assertRefused(response: Response, code: 'missing_token' | 'invalid_token', where: string): Promise<void> {
  assert.equal(response.status, 401, where);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/, where);
  assert.equal(((await response.json()) as ErrorBody).error.code, code, where);
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="Hash Report API"/, where);
  assert.equal(response.headers.get('set-cookie'), null, `${where}: no cookie`);
}

describe('API tokens in Settings', () => {
  test('when a user creates a token, then the answer shows it once, and the settings page afterwards lists its name and last four characters but never the token', async () => {
    // Arrange
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);

    // Act
    const { token, html } = await createToken(client, 'SOAR playbook');
    const later = await client.get('/settings');

    // Assert
    assert.match(html, /Copy it now: it will not be shown again/);
    assert.match(html, new RegExp(`data-copy="${token}"`), 'a copy button carries the token');
    assert.equal(later.status, 200);
    assert.ok(!later.html.includes(token), 'the settings page shows the token again');
    assert.ok(!later.html.includes(token.slice(0, 20)), 'the settings page shows part of the token');
    assert.match(later.html, /SOAR playbook/);
    assert.ok(later.html.includes(`hr_…${token.slice(-4)}`), 'the list shows the last four characters');
    assert.match(later.html, /<td>never<\/td>/, 'a new token was never used');
    const [row, ...others] = await tokenRows(await userIdOf(app, email));
    assert.equal(others.length, 0);
    assert.equal(row?.token_sha256, createHash('sha256').update(token).digest('hex'), 'the database holds the SHA-256');
    assert.ok(!Object.values(row ?? {}).some((v) => typeof v === 'string' && v.includes(token.slice(3, 20))), 'the database holds the token in clear');
  });

  test('when the name is left empty, then the form says so and no token is made', async () => {
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);

    const answer = await client.postForm('/settings/api-tokens', { tokenName: '  ' }, '/settings');

    assert.equal(answer.status, 422);
    assert.match(answer.html, /Name the token after what will use it/);
    assert.equal(answer.html.match(TOKEN_PATTERN), null);
    assert.deepEqual(await tokenRows(await userIdOf(app, email)), []);
  });

  test('when a user already has 20 live tokens, then a 21st is refused until one is revoked', async () => {
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);
    for (let i = 1; i <= 20; i++) await createToken(client, `Script ${i}`);

    const refused = await client.postForm('/settings/api-tokens', { tokenName: 'One too many' }, '/settings');
    const first = (await tokenRows(await userIdOf(app, email)))[0];
    const revoked = await client.postForm(`/settings/api-tokens/${first?.id}/revoke`, {}, '/settings');
    const { token } = await createToken(client, 'Room again');

    assert.equal(refused.status, 422);
    assert.match(refused.html, /You have 20 tokens already/);
    assert.equal(refused.html.match(TOKEN_PATTERN), null);
    assert.equal(revoked.status, 303);
    assert.ok(token);
  });
});

describe('bearer authentication on /api', () => {
  test('when a live token is sent as a bearer token, then the API answers as its user and Settings shows it was used', async () => {
    // Arrange
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);
    const reportId = await uploadHashes(client, [hex(32)], 'Mine');
    const { token } = await createToken(client, 'Reader');

    // Act
    const answer = await api('/api/v1/reports', `Bearer ${token}`);
    const settings = await client.get('/settings');

    // Assert
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as { reports: Array<{ id: string; name: string }> };
    assert.deepEqual(body.reports.map((r) => r.id), [reportId]);
    assert.notEqual((await tokenRows(await userIdOf(app, email)))[0]?.last_used_at, null);
    assert.doesNotMatch(settings.html, /<td>never<\/td>/);
  });

  test('when the token is missing, malformed, unknown or altered, then 401 JSON says which, with WWW-Authenticate', async () => {
    const client = await signedIn(app);
    const { token } = await createToken(client, 'Real one');
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const cases: Array<[string, string | undefined, 'missing_token' | 'invalid_token']> = [
      ['no header', undefined, 'missing_token'],
      ['an empty header', '', 'missing_token'],
      ['Bearer and nothing', 'Bearer', 'invalid_token'],
      ['another scheme', `Basic ${Buffer.from(`me:${token}`).toString('base64')}`, 'invalid_token'],
      ['the token without the scheme', token, 'invalid_token'],
      ['a short token', 'Bearer hr_abc', 'invalid_token'],
      ['a well-formed unknown token', `Bearer hr_${randomBytes(32).toString('base64url')}`, 'invalid_token'],
      ['the token with one character changed', `Bearer ${altered}`, 'invalid_token'],
      ['two tokens', `Bearer ${token} ${token}`, 'invalid_token'],
    ];

    for (const [label, header, code] of cases) {
      await assertRefused(await api('/api/v1/reports', header), code, label);
    }
    assert.equal((await api('/api/v1/reports', `bearer ${token}`)).status, 200, 'the scheme is case-insensitive');
  });

  test('when a token is revoked in Settings, then it gets 401 invalid_token at once while the user\'s other token still works', async () => {
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);
    const { token: kept } = await createToken(client, 'Kept');
    const { token: doomed } = await createToken(client, 'Doomed');
    assert.equal((await api('/api/v1/reports', `Bearer ${doomed}`)).status, 200, 'works before');
    const row = (await tokenRows(await userIdOf(app, email))).find((r) => r.name === 'Doomed');

    const revoked = await client.postForm(`/settings/api-tokens/${row?.id}/revoke`, {}, '/settings');
    const page = await client.get(revoked.headers.get('location') ?? '/settings');

    assert.equal(revoked.status, 303);
    await assertRefused(await api('/api/v1/reports', `Bearer ${doomed}`), 'invalid_token', 'the revoked token');
    assert.equal((await api('/api/v1/reports', `Bearer ${kept}`)).status, 200, 'the other token');
    assert.match(page.html, /The API token was revoked/);
    assert.doesNotMatch(page.html, /Doomed/, 'a revoked token leaves the list');
    assert.match(page.html, /Kept/);
  });

  test('when a signed-in browser calls /api with its session cookie alone (even with its CSRF token), then 401 and nothing is made', async () => {
    // Arrange
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);
    await createToken(client, 'Unused here');
    await client.get('/reports/new');
    const csrf = client.csrfToken();
    const reportsBefore = await app.db.row('SELECT count(*) AS n FROM reports');

    // Act
    const list = await client.request('/api/v1/reports');
    const create = await client.request('/api/v1/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ values: [hex(32)] }),
    });

    // Assert
    await assertRefused(list, 'missing_token', 'GET with the cookie');
    await assertRefused(create, 'missing_token', 'POST with the cookie and CSRF token');
    assert.deepEqual(await app.db.row('SELECT count(*) AS n FROM reports'), reportsBefore);
  });

  test('when an admin disables the account, then its tokens get 401, and they stay revoked when it is enabled again', async () => {
    const admin = await adminClient(app, ADMIN_EMAIL);
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);
    const { token } = await createToken(client, 'Soon disabled');

    const disabled = await admin.postForm(`/admin/users/${await userIdOf(app, email)}/disable`, {}, '/admin');
    const whileDisabled = await api('/api/v1/reports', `Bearer ${token}`);
    const enabled = await admin.postForm(`/admin/users/${await userIdOf(app, email)}/enable`, {}, '/admin');
    const afterwards = await api('/api/v1/reports', `Bearer ${token}`);

    assert.equal(disabled.status, 303);
    await assertRefused(whileDisabled, 'invalid_token', 'disabled account');
    assert.equal(enabled.status, 303);
    await assertRefused(afterwards, 'invalid_token', 'a token of the disabled account');
  });

  test('when the account is deleted, then its tokens get 401 and are gone from the database', async () => {
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);
    const { token } = await createToken(client, 'Soon gone');
    const userId = await userIdOf(app, email);

    const deleted = await client.postForm('/settings/account/delete', { confirmation: 'DELETE', password: PASSWORD }, '/settings');

    assert.equal(deleted.status, 303);
    await assertRefused(await api('/api/v1/reports', `Bearer ${token}`), 'invalid_token', 'deleted account');
    assert.deepEqual(await tokenRows(userId), []);
  });

  test('when tokens are used, refused and revoked, then no log line holds any of them', async () => {
    const email = uniqueEmail('tokens');
    const client = await signedIn(app, email);
    const { token } = await createToken(client, 'Logged?');
    await api('/api/v1/reports', `Bearer ${token}`);
    await api('/api/v1/lookup?value=nonsense', `Bearer ${token}`);
    await api('/api/v1/reports', `Bearer ${token.slice(0, -2)}`);
    const row = (await tokenRows(await userIdOf(app, email)))[0];
    await client.postForm(`/settings/api-tokens/${row?.id}/revoke`, {}, '/settings');
    await api('/api/v1/reports', `Bearer ${token}`);

    assert.ok(logLines.length > 0, 'the app logged something');
    const secret = token.slice(3, 30);
    assert.deepEqual(logLines.filter((l) => l.includes(secret)), []);
  });
});
