import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import { appSuite } from '../helpers/app-suite.js';
import { formAlert, sessionRow, sidOf } from '../helpers/page.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { hashPassword } from '../../src/auth/password.js';

const COOKIE = 'hash_report.sid';
const PASSWORD = 'Correct-Horse-Battery-42';
const NEW_PASSWORD = 'Brand-New-Passphrase-2026';

interface UserRow {
  id: number;
  password_hash: string;
  password_changed_at: number | null;
}

const app = appSuite();

async function userRow(email: string): Promise<UserRow> {
  const row = await app.db.row<UserRow>('SELECT id, password_hash, password_changed_at FROM users WHERE email = ?', email);
  assert.ok(row, `no user ${email}`);
  return row;
}

/** Two browsers signed in as one new user: A registered, B logged in. */
async function twoSessions(): Promise<{ email: string; a: HttpClient; b: HttpClient }> {
  const email = uniqueEmail('change');
  const a = app.client();
  assert.equal((await a.register(email, PASSWORD)).status, 303);
  const b = app.client();
  assert.equal((await b.login(email, PASSWORD)).status, 303);
  return { email, a, b };
}

function changePassword(client: HttpClient, fields: Partial<Record<'currentPassword' | 'newPassword' | 'confirm', string>> = {}) {
  return client.postForm('/settings/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirm: NEW_PASSWORD, ...fields }, '/settings');
}

async function signedIn(client: HttpClient): Promise<boolean> {
  return (await client.get('/reports')).status === 200;
}

describe('changing the password on /settings', () => {
  test('when the settings page is shown, then it has a password form with labelled current, new and confirm fields', async () => {
    const { a } = await twoSessions();
    const page = await a.get('/settings');
    assert.match(page.html, /<form method="post" action="\/settings\/password"/);
    for (const [label, id, autocomplete] of [
      ['Current password', 'currentPassword', 'current-password'],
      ['New password', 'newPassword', 'new-password'],
      ['Confirm new password', 'confirm', 'new-password'],
    ]) {
      assert.match(page.html, new RegExp(`<label for="${id}">${label}</label>\\s*<input id="${id}" name="${id}" type="password" autocomplete="${autocomplete}"`));
    }
    assert.match(page.html, /<button type="submit">Change password<\/button>/);
  });

  test('when user A changes the password, then B is signed out, A stays signed in under a new session id, and only the new password works', async () => {
    // Arrange
    const { email, a, b } = await twoSessions();
    const [aSid, bSid] = [sidOf(a.cookie(COOKIE)), sidOf(b.cookie(COOKIE))];
    const before = await userRow(email);

    // Act
    const response = await changePassword(a);

    // Assert: A is told, under a new session id, and the old ones are gone from the store.
    assert.equal(response.status, 303, response.html.slice(0, 300));
    assert.equal(response.headers.get('location'), '/settings?password=changed');
    assert.notEqual(sidOf(a.cookie(COOKIE)), aSid, 'the session id did not change');
    assert.equal(await sessionRow(app, aSid), undefined);
    assert.equal(await sessionRow(app, bSid), undefined);
    const page = await a.get(response.headers.get('location') ?? '');
    assert.equal(page.status, 200);
    assert.match(page.html, /<p class="notice" role="status">Your password was changed\. Everywhere else you were signed in, you are now signed out, and your API tokens were revoked: create new ones below for the scripts that need them\.<\/p>/);
    // B's next request is signed out.
    const bounce = await b.get('/reports');
    assert.equal(bounce.status, 303);
    assert.match(bounce.headers.get('location') ?? '', /^\/login\?next=%2Freports/);
    // The stored hash is new; the old password is refused and the new one accepted.
    const after = await userRow(email);
    assert.notEqual(after.password_hash, before.password_hash);
    assert.ok(after.password_hash.startsWith('$argon2id$'));
    assert.ok((after.password_changed_at ?? 0) > 0);
    assert.equal((await app.client().login(email, PASSWORD)).status, 401);
    assert.equal((await app.client().login(email, NEW_PASSWORD)).status, 303);
  });

  test('when a session from before the change is written back (a request in flight), then it still does not authenticate', async () => {
    // Arrange: keep B's stored session as it was before the change.
    const { a, b } = await twoSessions();
    const saved = await sessionRow(app, sidOf(b.cookie(COOKIE)));
    assert.ok(saved);

    // Act
    assert.equal((await changePassword(a)).status, 303);
    await app.db.run('INSERT INTO sessions (sid, sess, expires) VALUES (?, ?, ?)', saved.sid, saved.sess, saved.expires);

    // Assert
    const bounce = await b.get('/reports');
    assert.equal(bounce.status, 303);
    assert.equal(bounce.headers.get('location'), '/login?next=%2Freports&expired=1');
    assert.ok(await signedIn(a));
  });

  test('when the current password is wrong, then the password form says so, nothing changes and both sessions stay', async () => {
    // Arrange
    const { email, a, b } = await twoSessions();
    const before = await userRow(email);
    const wrong = 'Not-My-Password-123';

    // Act
    const response = await changePassword(a, { currentPassword: wrong });

    // Assert
    assert.equal(response.status, 422);
    assert.equal(formAlert(response.html), 'Your current password is not right.');
    assert.match(response.html, /<p class="field-error">This is not your current password\.<\/p>/);
    // The message sits at the password form, not at the key form above it.
    assert.ok(response.html.indexOf('role="alert"') > response.html.indexOf('action="/settings/api-key"'));
    for (const secret of [wrong, NEW_PASSWORD]) assert.ok(!response.html.includes(secret), 'a password was echoed');
    assert.equal((await userRow(email)).password_hash, before.password_hash);
    assert.ok(await signedIn(a));
    assert.ok(await signedIn(b));
  });

  test('when the current password is guessed again and again, then the form refuses with 429 like the login does, even the right one', async () => {
    // Arrange: the per-account sign-in limit (3 free tries, then a 1 s wait) counts these too.
    const { email, a } = await twoSessions();
    const before = (await userRow(email)).password_hash;
    for (let i = 0; i < 4; i += 1) assert.equal((await changePassword(a, { currentPassword: `Guess-Number-${i}-xyz` })).status, 422);

    // Act
    const refused = await changePassword(a);

    // Assert
    assert.equal(refused.status, 429);
    assert.equal(formAlert(refused.html), 'Too many sign-in attempts for this account or from this address. Try again in 1 second.');
    assert.ok(refused.html.indexOf('role="alert"') > refused.html.indexOf('action="/settings/api-key"'), 'the message is not at the password form');
    assert.equal((await userRow(email)).password_hash, before);
    assert.ok(await signedIn(a));
  });

  test('when the new password is too short or the confirmation differs, then the form says which and nothing changes', async () => {
    const { email, a } = await twoSessions();
    const before = (await userRow(email)).password_hash;

    const short = await changePassword(a, { newPassword: 'short', confirm: 'short' });
    assert.equal(short.status, 422);
    assert.match(short.html, /<p class="field-error">Use at least 10 characters for the password\.<\/p>/);

    const differ = await changePassword(a, { confirm: 'Something-Else-Entirely' });
    assert.equal(differ.status, 422);
    assert.match(differ.html, /<p class="field-error">The two passwords differ\.<\/p>/);

    assert.equal((await userRow(email)).password_hash, before);
  });

  test('when the form is posted without its CSRF token, then 403 and the password stays', async () => {
    const { email, a } = await twoSessions();
    const before = (await userRow(email)).password_hash;
    const response = await a.postForm('/settings/password', { _csrf: 'wrong-token', currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirm: NEW_PASSWORD });
    assert.equal(response.status, 403);
    assert.equal((await userRow(email)).password_hash, before);
    assert.ok(await signedIn(a));
  });
});

describe('argon2 parameters on sign-in', () => {
  test('when a stored hash was made with weaker parameters, then signing in works and stores a hash with the current ones', async () => {
    // Arrange: OWASP's minimum (m = 19 MiB, t = 2, p = 1), below what the app uses now.
    const email = uniqueEmail('rehash');
    assert.equal((await app.client().register(email, PASSWORD)).status, 303);
    const weak = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await app.db.run('UPDATE users SET password_hash = ? WHERE email = ?', weak, email);
    const params = (hash: string) => hash.split('$').slice(1, 4).join('$');

    // Act
    const response = await app.client().login(email, PASSWORD);

    // Assert
    assert.equal(response.status, 303);
    const stored = (await userRow(email)).password_hash;
    assert.notEqual(stored, weak);
    assert.equal(params(stored), params(await hashPassword('anything')));
    assert.equal(params(stored), 'argon2id$v=19$m=65536,p=4,t=3');
    assert.equal((await userRow(email)).password_changed_at, null, 'a rehash is no password change: other sessions must live on');
    assert.equal((await app.client().login(email, PASSWORD)).status, 303);
  });
});
