import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reportIdFrom } from '../helpers/test-app.js';
import { formAlert, sidOf, sessionRow, assertSignedInAs, assertSignedOut, textOf } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';
import { cspDirectives } from '../helpers/headers.js';

const COOKIE = 'hash_report.sid';
const ANONYMOUS_COOKIE = 'hash_report.csrf';
const PASSWORD = 'Correct-Horse-Battery-42';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

const app = appSuite();

// ------------------------------------------------------------------ helpers

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The <input> a `<label for>` with exactly this text points at (asserting both exist). */
function labelledInput(html: string, text: string): string {
  const label = new RegExp(`<label for="([^"]+)">\\s*${escapeRe(text)}\\s*</label>`).exec(html);
  assert.ok(label?.[1], `no <label for=…> with the text "${text}"`);
  const input = new RegExp(`<input\\b[^>]*\\bid="${escapeRe(label[1])}"[^>]*>`).exec(html);
  assert.ok(input, `the label "${text}" points at id "${label[1]}", but no <input> has that id`);
  return input[0];
}

function hasButton(html: string, text: string): boolean {
  return new RegExp(`<button\\b[^>]*>\\s*${escapeRe(text)}\\s*</button>`).test(html);
}

function hasLogoutButton(html: string): boolean {
  return /<form\b[^>]*action="\/logout"[^>]*>[\s\S]*?<button\b[^>]*>\s*Log out\s*<\/button>[\s\S]*?<\/form>/.test(html);
}

/** The value attribute of the input with this id. */
function inputValue(html: string, id: string): string | undefined {
  const input = new RegExp(`<input\\b[^>]*\\bid="${escapeRe(id)}"[^>]*>`).exec(html)?.[0] ?? '';
  return /\bvalue="([^"]*)"/.exec(input)?.[1];
}

async function userRow(email: string): Promise<{ id: number; email: string; password_hash: string } | undefined> {
  return await app.db.row<{ id: number; email: string; password_hash: string }>('SELECT id, email, password_hash FROM users WHERE email = ?', email);
}

async function reportCount(userId: number): Promise<number> {
  return (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM reports WHERE user_id = ?', userId))?.n ?? -1;
}

/** The session cookie as a Set-Cookie line, split into its attributes. */
function sessionSetCookie(response: Response): string[] | undefined {
  const line = response.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`));
  return line?.split(';').map((part) => part.trim());
}

/** A client that sends only this cookie: a browser (or attacker) replaying an old session cookie. */
async function getWithCookie(path: string, cookieValue: string): Promise<Response> {
  return fetch(new URL(path, app.url), { headers: { cookie: `${COOKIE}=${cookieValue}` }, redirect: 'manual' });
}

async function signedUp(password = PASSWORD): Promise<{ client: HttpClient; email: string }> {
  const client = app.client();
  const email = uniqueEmail('auth');
  const response = await client.register(email, password);
  assert.equal(response.status, 303, 'registration failed');
  return { client, email };
}

function assertFormExpired(response: Response & { html: string }): void {
  assert.equal(response.status, 403);
  assert.match(response.html, /<h1>Form expired<\/h1>/);
}

/** POSTs a url-encoded body as is (no token added). */
async function rawPost(client: HttpClient, path: string, fields: Record<string, string>) {
  const response = await client.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return Object.assign(response, { html: await response.text() });
}

// ------------------------------------------------------------------ forms

describe('register and login forms', () => {
  it('when the register page is shown, then Email, Password and Confirm password are labelled inputs and the button says "Create account"', async () => {
    const page = await app.client().get('/register');
    assert.equal(page.status, 200);
    const email = labelledInput(page.html, 'Email');
    assert.match(email, /\bname="email"/);
    assert.match(email, /\btype="email"/);
    const password = labelledInput(page.html, 'Password');
    assert.match(password, /\bname="password"/);
    assert.match(password, /\btype="password"/);
    const confirm = labelledInput(page.html, 'Confirm password');
    assert.match(confirm, /\bname="confirm"/);
    assert.match(confirm, /\btype="password"/);
    assert.ok(hasButton(page.html, 'Create account'));
  });

  it('when the login page is shown, then Email and Password are labelled inputs and the button says "Log in"', async () => {
    const page = await app.client().get('/login');
    assert.equal(page.status, 200);
    assert.match(labelledInput(page.html, 'Email'), /\bname="email"/);
    const password = labelledInput(page.html, 'Password');
    assert.match(password, /\bname="password"/);
    assert.match(password, /\btype="password"/);
    assert.ok(hasButton(page.html, 'Log in'));
  });

  it('when signed in, then every page (report list, upload form, a 404 page) has a "Log out" button', async () => {
    const { client } = await signedUp();
    for (const path of ['/reports', '/reports/new', '/no-such-page']) {
      const page = await client.get(path);
      assert.equal(page.status, path === '/no-such-page' ? 404 : 200, path);
      assert.ok(hasLogoutButton(page.html), `no Log out button on ${path}`);
      assert.match(page.html, /action="\/logout"[^>]*>\s*<input type="hidden" name="_csrf" value="[^"]+">/, `no CSRF token in the logout form on ${path}`);
    }
  });

  it('when signed out, then no page (landing, login, register, a 404 page) has a "Log out" button', async () => {
    const client = app.client();
    for (const path of ['/', '/login', '/register', '/no-such-page']) {
      const page = await client.get(path);
      assert.ok(!hasLogoutButton(page.html) && !page.html.includes('Log out'), `a Log out button on ${path}`);
    }
  });
});

// ------------------------------------------------------------------ registration

describe('registration', () => {
  it('when a new user registers, then the answer is 303 and they are signed in with their email shown', async () => {
    const client = app.client();
    const email = uniqueEmail('auth');
    const response = await client.register(email);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/reports/new');
    await assertSignedInAs(client, email);
  });

  it('when a user registers, then the stored password hash is argon2id and not the password', async () => {
    const email = uniqueEmail('auth');
    await app.client().register(email, PASSWORD);
    const row = await userRow(email);
    assert.ok(row, 'no user row');
    assert.ok(row.password_hash.startsWith('$argon2id$'), `not argon2id: ${row.password_hash.slice(0, 20)}`);
    assert.ok(!row.password_hash.includes(PASSWORD));
  });

  it('when the email is already registered, then the same form says so with 409, keeps the email and never echoes the password', async () => {
    const { email } = await signedUp();
    const secret = 'Dup-Secret-Password-8731';
    const client = app.client();
    const response = await client.postForm('/register', { email, password: secret, confirm: secret }, '/register');
    assert.equal(response.status, 409);
    assert.match(formAlert(response.html) ?? '', /already exists/);
    assert.equal(inputValue(response.html, 'email'), email);
    assert.ok(!response.html.includes(secret), 'the password was echoed into the page');
    assert.ok(hasButton(response.html, 'Create account'), 'not the register form');
    await assertSignedOut(client);
  });

  it('when the email is already registered in another case, then it is refused the same way and no second account exists', async () => {
    const { email } = await signedUp();
    const shouted = email.toUpperCase();
    const secret = 'Case-Secret-Password-5519';
    const client = app.client();
    const response = await client.postForm('/register', { email: shouted, password: secret, confirm: secret }, '/register');
    assert.equal(response.status, 409);
    assert.match(formAlert(response.html) ?? '', /already exists/);
    assert.equal(inputValue(response.html, 'email'), shouted);
    assert.ok(!response.html.includes(secret));
    const n = (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM users WHERE lower(email) = ?', email.toLowerCase()))?.n;
    assert.equal(n, 1);
  });

  it('when the password is under 10 characters, then the form says so, keeps the email, never echoes the password and creates no user', async () => {
    const client = app.client();
    const email = uniqueEmail('auth');
    const weak = 'Zq9-wEak!'; // 9 characters
    const response = await client.postForm('/register', { email, password: weak, confirm: weak }, '/register');
    assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
    assert.match(formAlert(response.html) ?? '', /at least 10 characters/);
    assert.equal(inputValue(response.html, 'email'), email);
    assert.ok(!response.html.includes(weak), 'the password was echoed into the page');
    assert.equal(await userRow(email), undefined);
  });

  it('when the password is exactly 10 characters, then the account is created', async () => {
    const client = app.client();
    const email = uniqueEmail('auth');
    const response = await client.register(email, 'Ten-chars!');
    assert.equal(response.status, 303);
    await assertSignedInAs(client, email);
  });

  it('when the confirmation differs, then the form says so, keeps the email, never echoes either password and creates no user', async () => {
    const client = app.client();
    const email = uniqueEmail('auth');
    const first = 'First-Password-Value-1';
    const second = 'Second-Password-Value-2';
    const response = await client.postForm('/register', { email, password: first, confirm: second }, '/register');
    assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
    assert.match(formAlert(response.html) ?? '', /passwords differ/);
    assert.equal(inputValue(response.html, 'email'), email);
    assert.ok(!response.html.includes(first) && !response.html.includes(second));
    assert.equal(await userRow(email), undefined);
  });
});

// ------------------------------------------------------------------ login

describe('login', () => {
  it('when the password is wrong, then 401 "Wrong email or password." on the login form, email kept, password not echoed', async () => {
    const { email } = await signedUp();
    const client = app.client();
    const wrong = 'Not-The-Password-7781';
    const response = await client.postForm('/login', { email, password: wrong }, '/login');
    assert.equal(response.status, 401);
    assert.equal(formAlert(response.html), 'Wrong email or password.');
    assert.equal(inputValue(response.html, 'email'), email);
    assert.ok(!response.html.includes(wrong));
    assert.ok(hasButton(response.html, 'Log in'));
    await assertSignedOut(client);
  });

  it('when the email is unknown, then the very same 401 "Wrong email or password." as for a wrong password', async () => {
    const { email } = await signedUp();
    const unknown = uniqueEmail('nobody');
    const wrongPassword = await app.client().postForm('/login', { email, password: 'Not-The-Password-7781' }, '/login');
    const unknownEmail = await app.client().postForm('/login', { email: unknown, password: 'Not-The-Password-7781' }, '/login');
    assert.equal(unknownEmail.status, 401);
    assert.equal(formAlert(unknownEmail.html), 'Wrong email or password.');
    assert.equal(formAlert(unknownEmail.html), formAlert(wrongPassword.html));
    assert.equal(inputValue(unknownEmail.html, 'email'), unknown);
    assert.ok(!unknownEmail.html.includes('Not-The-Password-7781'));
  });

  it('when the right password is given with the email in another case, then the user is signed in', async () => {
    const { email } = await signedUp();
    const client = app.client();
    const response = await client.login(email.toUpperCase(), PASSWORD);
    assert.equal(response.status, 303);
    await assertSignedInAs(client, email);
  });
});

// ------------------------------------------------------------------ sessions

describe('sessions', () => {
  it('when a user logs in, then a session row holding their id is stored and the sign-in form had written none', async () => {
    const { email } = await signedUp();
    const client = app.client();
    await client.get('/login');
    assert.equal(client.cookie(COOKIE), undefined, 'the sign-in form set a session cookie (its token needs none)');
    const response = await client.login(email, PASSWORD);
    assert.equal(response.status, 303);
    const row = await sessionRow(app, sidOf(client.cookie(COOKIE)));
    assert.ok(row, 'no session row after login');
    assert.equal((JSON.parse(row.sess) as { userId?: number }).userId, (await userRow(email))?.id);
    assert.ok(row.expires > Date.now());
  });

  it('when a session id is planted before login, then the victim gets a new one and the planted one authenticates nobody', async () => {
    // The only sessions left to plant are signed-in ones (an anonymous visitor gets none): the attacker's own.
    const { email } = await signedUp();
    const attacker = await signedUp();
    const planted = attacker.client.cookie(COOKIE);
    assert.ok(planted);
    // The victim logs in in a browser carrying the attacker's cookie.
    const victim = new HttpClient(app.url, new Map([[COOKIE, planted]]));
    const response = await victim.login(email, PASSWORD);
    assert.equal(response.status, 303);
    assert.notEqual(sidOf(victim.cookie(COOKIE)), sidOf(planted), 'the session id did not change on login (session fixation)');
    await assertSignedInAs(victim, email);
    assert.equal(await sessionRow(app, sidOf(planted)), undefined, 'the planted session still exists');
    const replay = await getWithCookie('/reports', planted);
    assert.equal(replay.status, 303);
    assert.match(replay.headers.get('location') ?? '', /^\/login\?next=/);
  });

  it('when a user registers, then a signed-in session starts and the registration form had written none', async () => {
    const client = app.client();
    await client.get('/register');
    assert.equal(client.cookie(COOKIE), undefined);
    const email = uniqueEmail('auth');
    await client.register(email);
    const row = await sessionRow(app, sidOf(client.cookie(COOKIE)));
    assert.equal((JSON.parse(row?.sess ?? '{}') as { userId?: number }).userId, (await userRow(email))?.id);
  });

  it('when a user logs out, then the session row is gone, the cookie is cleared, the sign-in page says so and the old cookie no longer authenticates', async () => {
    const { client, email } = await signedUp();
    await assertSignedInAs(client, email);
    const cookie = client.cookie(COOKIE);
    const sid = sidOf(cookie);
    assert.ok(await sessionRow(app, sid));
    const response = await client.postForm('/logout', {}, '/reports');
    assert.equal(response.status, 303);
    // Issue 16: the sign-in page says the user is signed out (the session is gone, so the URL carries it).
    assert.equal(response.headers.get('location'), '/login?signed_out=1');
    assert.equal(await sessionRow(app, sid), undefined, 'the session row survived logout');
    assert.equal(client.cookie(COOKIE), undefined, 'the cookie was not cleared');
    const replay = await getWithCookie('/reports', cookie ?? '');
    assert.equal(replay.status, 303);
    assert.equal(replay.headers.get('location'), '/login?next=%2Freports');
    await assertSignedOut(client);
    assert.match((await client.get('/login?signed_out=1')).html, /<p class="notice" role="status">You are signed out\.<\/p>/);
  });

  it('when the session cookie is set over http, then it is HttpOnly, SameSite=Lax, Path=/ and not Secure', async () => {
    const { email } = await signedUp();
    const client = app.client();
    await client.get('/login');
    const response = await client.login(email, PASSWORD);
    assert.equal(response.status, 303);
    const attrs = sessionSetCookie(response);
    assert.ok(attrs, 'login set no session cookie');
    const lower = attrs.map((a) => a.toLowerCase());
    assert.ok(lower.includes('httponly'), attrs.join('; '));
    assert.ok(lower.includes('samesite=lax'), attrs.join('; '));
    assert.ok(lower.includes('path=/'), attrs.join('; '));
    assert.ok(!lower.includes('secure'), attrs.join('; '));
  });
});

// ------------------------------------------------------------------ CSRF

describe('CSRF', () => {
  it('when POST /login has no token or a wrong one, then 403 "Form expired" and nobody is signed in', async () => {
    const { email } = await signedUp();
    for (const token of [undefined, 'wrong-token']) {
      const client = app.client();
      await client.get('/login');
      const fields: Record<string, string> = { email, password: PASSWORD, ...(token ? { _csrf: token } : {}) };
      assertFormExpired(await rawPost(client, '/login', fields));
      await assertSignedOut(client);
    }
  });

  it('when POST /login comes without the anonymous-form cookie, then 403 "Form expired"', async () => {
    const { email } = await signedUp();
    const client = app.client();
    assertFormExpired(await rawPost(client, '/login', { email, password: PASSWORD, _csrf: 'anything' }));
    await assertSignedOut(client);
  });

  it('when an anonymous form carries another browser\'s token, a tampered token, or comes with another browser\'s cookie, then 403 "Form expired" and nothing happens', async () => {
    const { email } = await signedUp();
    const victim = app.client();
    const attacker = app.client();
    await victim.get('/login');
    const victimToken = victim.csrfToken();
    await attacker.get('/login');
    const attackerToken = attacker.csrfToken();
    const flipped = `${victimToken.slice(0, 10)}${victimToken[10] === 'A' ? 'B' : 'A'}${victimToken.slice(11)}`;
    for (const token of [attackerToken, flipped, `${victimToken}A`, victimToken.slice(1)]) {
      assertFormExpired(await rawPost(victim, '/login', { email, password: PASSWORD, _csrf: token }));
      await assertSignedOut(victim);
    }
    // The victim's token sent with the attacker's cookie (a forger's own browser).
    assertFormExpired(await rawPost(attacker, '/login', { email, password: PASSWORD, _csrf: victimToken }));
    await assertSignedOut(attacker);
    const newEmail = uniqueEmail('csrf');
    assertFormExpired(await rawPost(victim, '/register', { email: newEmail, password: PASSWORD, confirm: PASSWORD, _csrf: attackerToken }));
    assert.equal(await userRow(newEmail), undefined);
    // The same requests with the browser's own token go through: the 403s above were the token's doing.
    assert.equal((await rawPost(victim, '/login', { email, password: PASSWORD, _csrf: victimToken })).status, 303);
    await assertSignedInAs(victim, email);
  });

  it('when a signed-in user posts the anonymous-form token of their own browser, then 403 "Form expired": signed-in forms take only the session\'s token', async () => {
    const { client, email } = await signedUp();
    const anonymousCookie = client.cookie(ANONYMOUS_COOKIE);
    assert.ok(anonymousCookie, 'the registration form set no anonymous-form cookie');
    const sameBrowserSignedOut = new HttpClient(app.url, new Map([[ANONYMOUS_COOKIE, anonymousCookie]]));
    const anonymousToken = sameBrowserSignedOut.csrfToken((await sameBrowserSignedOut.get('/login')).html);
    assertFormExpired(await rawPost(client, '/logout', { _csrf: anonymousToken }));
    await assertSignedInAs(client, email);
  });

  it('when the anonymous-form cookie is set over http, then it is HttpOnly, SameSite=Lax, Path=/ and not Secure, and its value is not the token', async () => {
    const page = await app.client().get('/login');
    const line = page.headers.getSetCookie().find((l) => l.startsWith(`${ANONYMOUS_COOKIE}=`));
    assert.ok(line, 'the sign-in form set no anonymous-form cookie');
    const [pair = '', ...attrs] = line.split(';').map((part) => part.trim());
    const lower = attrs.map((a) => a.toLowerCase());
    for (const flag of ['httponly', 'samesite=lax', 'path=/']) assert.ok(lower.includes(flag), line);
    assert.ok(!lower.includes('secure'), line);
    assert.notEqual(pair.slice(ANONYMOUS_COOKIE.length + 1), /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1]);
  });

  it('when POST /register has no token or a wrong one, then 403 "Form expired" and no user is created', async () => {
    for (const token of [undefined, 'wrong-token']) {
      const client = app.client();
      await client.get('/register');
      const email = uniqueEmail('csrf');
      const fields: Record<string, string> = { email, password: PASSWORD, confirm: PASSWORD, ...(token ? { _csrf: token } : {}) };
      assertFormExpired(await rawPost(client, '/register', fields));
      assert.equal(await userRow(email), undefined, 'a user was created without a valid token');
      await assertSignedOut(client);
    }
  });

  it('when POST /logout has no token or a wrong one, then 403 "Form expired" and the user stays signed in', async () => {
    const { client, email } = await signedUp();
    const sid = sidOf(client.cookie(COOKIE));
    for (const token of [undefined, 'wrong-token']) {
      assertFormExpired(await rawPost(client, '/logout', token ? { _csrf: token } : {}));
      assert.ok(await sessionRow(app, sid), 'the session was destroyed');
      await assertSignedInAs(client, email);
    }
  });

  it('when a token from another session is sent, then 403 "Form expired"', async () => {
    const { client, email } = await signedUp();
    const other = await signedUp();
    await other.client.get('/reports');
    assertFormExpired(await rawPost(client, '/logout', { _csrf: other.client.csrfToken() }));
    await assertSignedInAs(client, email);
  });

  it('when POST /reports/:id/delete has no token or a wrong one, then 403 "Form expired" and the report is kept', async () => {
    const { client } = await signedUp();
    const id = reportIdFrom(await client.upload({ hashes: MD5 }));
    const exists = async () => (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM reports WHERE id = ?', id))?.n;
    for (const token of [undefined, 'wrong-token']) {
      assertFormExpired(await rawPost(client, `/reports/${id}/delete`, token ? { _csrf: token } : {}));
      assert.equal(await exists(), 1, 'the report was deleted without a valid token');
    }
    // The same request with the page's token works: the 403s above were the token's doing.
    const ok = await client.postForm(`/reports/${id}/delete`, {}, `/reports/${id}`);
    assert.equal(ok.status, 303);
    assert.equal(await exists(), 0);
  });

  it('when the multipart upload has no token or a wrong one, then 403 "Form expired" and no report is created', async () => {
    const { client, email } = await signedUp();
    const userId = (await userRow(email))?.id ?? -1;
    for (const token of [undefined, 'wrong-token']) {
      const form = new FormData();
      if (token) form.append('_csrf', token);
      form.append('hashes', MD5);
      form.append('file', new Blob([MD5], { type: 'text/plain' }), 'hashes.txt');
      const response = await client.request('/reports', { method: 'POST', body: form });
      assertFormExpired(Object.assign(response, { html: await response.text() }));
      assert.equal(await reportCount(userId), 0, 'a report was created without a valid token');
    }
    // With the token it is accepted.
    const ok = await client.upload({ hashes: MD5 });
    assert.equal(ok.status, 303);
    assert.equal(await reportCount(userId), 1);
  });

  it('when a multipart body is posted to /login, even with a valid token, then 403 and nobody is signed in', async () => {
    const { email } = await signedUp();
    const client = app.client();
    await client.get('/login');
    const form = new FormData();
    form.append('_csrf', client.csrfToken());
    form.append('email', email);
    form.append('password', PASSWORD);
    const response = await client.request('/login', { method: 'POST', body: form });
    assertFormExpired(Object.assign(response, { html: await response.text() }));
    await assertSignedOut(client);
  });

  it('when a multipart body is posted to /logout or /register, then 403', async () => {
    const { client, email } = await signedUp();
    await client.get('/reports');
    const logout = new FormData();
    logout.append('_csrf', client.csrfToken());
    const response = await client.request('/logout', { method: 'POST', body: logout });
    assertFormExpired(Object.assign(response, { html: await response.text() }));
    await assertSignedInAs(client, email);

    const anonymous = app.client();
    await anonymous.get('/register');
    const newEmail = uniqueEmail('multipart');
    const register = new FormData();
    register.append('_csrf', anonymous.csrfToken());
    register.append('email', newEmail);
    register.append('password', PASSWORD);
    register.append('confirm', PASSWORD);
    const registered = await anonymous.request('/register', { method: 'POST', body: register });
    assertFormExpired(Object.assign(registered, { html: await registered.text() }));
    assert.equal(await userRow(newEmail), undefined);
  });
});

// ------------------------------------------------------------------ redirects

describe('redirects', () => {
  it('when anonymous, then GET /reports and /reports/new answer 303 to /login with the page as next', async () => {
    const client = app.client();
    const list = await client.get('/reports');
    assert.equal(list.status, 303);
    assert.equal(list.headers.get('location'), '/login?next=%2Freports');
    const upload = await client.get('/reports/new');
    assert.equal(upload.status, 303);
    assert.equal(upload.headers.get('location'), '/login?next=%2Freports%2Fnew');
  });

  it('when an anonymous visitor is sent to login from /reports/new and logs in, then they land on /reports/new', async () => {
    const { email } = await signedUp();
    const client = app.client();
    const bounce = await client.get('/reports/new');
    const loginPath = bounce.headers.get('location') ?? '';
    const page = await client.get(loginPath);
    assert.match(page.html, /name="next" value="\/reports\/new"/);
    const response = await client.postForm('/login', { email, password: PASSWORD, next: '/reports/new' });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/reports/new');
  });

  it('when next points off-site, then login falls back to /reports and the form never carries the foreign URL', async () => {
    const { email } = await signedUp();
    const hostile = ['//evil.example', 'https://evil.example', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', '/\t/evil.example', 'evil.example'];
    for (const next of hostile) {
      const client = app.client();
      const page = await client.get(`/login?next=${encodeURIComponent(next)}`);
      assert.match(page.html, /name="next" value="\/reports"/, `the login form kept next=${JSON.stringify(next)}`);
      const response = await client.postForm('/login', { email, password: PASSWORD, next });
      assert.equal(response.status, 303);
      const location = response.headers.get('location') ?? '';
      const target = new URL(location, app.url);
      assert.equal(target.origin, new URL(app.url).origin, `next=${JSON.stringify(next)} redirected to ${location}`);
      assert.equal(location, '/reports', JSON.stringify(next));
    }
  });

  it('when anonymous, then GET / shows the landing page, which says it takes hashes, domains and IP addresses', async () => {
    const page = await app.client().get('/');
    assert.equal(page.status, 200);
    assert.match(page.html, /VirusTotal reports for whole lists of indicators/);
    assert.match(textOf(page.html), /file hashes \(MD5, SHA-1, SHA-256\), domains, IP addresses and URLs/);
    assert.match(page.html, /href="\/register"/);
  });

  it('when signed in, then GET / redirects to /reports', async () => {
    const { client } = await signedUp();
    const response = await client.get('/');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/reports');
  });
});

// ------------------------------------------------------------------ headers and error pages

describe('security headers and error pages', () => {

  it('when any page is served, then CSP allows only own scripts, forbids framing, and nosniff is set', async () => {
    const { client } = await signedUp();
    for (const [who, path] of [[app.client(), '/'], [app.client(), '/login'], [client, '/reports'], [client, '/no-such-page']] as const) {
      const response = await who.get(path);
      const csp = cspDirectives(response.headers.get('content-security-policy'));
      assert.deepEqual(csp.get('script-src'), ["'self'"], `script-src on ${path}`);
      assert.ok(!(csp.get('script-src') ?? []).includes("'unsafe-inline'"));
      assert.ok(!(csp.get('default-src') ?? []).includes("'unsafe-inline'"));
      assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], `frame-ancestors on ${path}`);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('when the report list is served, then it is Cache-Control: no-store', async () => {
    const { client } = await signedUp();
    const response = await client.get('/reports');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control') ?? '', /\bno-store\b/);
  });

  it('when a route does not exist, then a 404 "Not found" page', async () => {
    const page = await app.client().get('/definitely/not/here');
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.html, /<h1>Not found<\/h1>/);
  });
});
