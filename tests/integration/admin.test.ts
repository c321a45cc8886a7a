import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_KEY, waitFor, waitForCompletion, exportJson, type TestApp } from '../helpers/test-app.js';
import { assertSignedInAs, assertSignedOut, textOf, userIdOf } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { adminClient, hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';

const PASSWORD = 'correct horse battery';

// ------------------------------------------------------------------ helpers

/** The inner HTML of the dashboard section with this id. */
function section(html: string, id: string): string {
  const match = new RegExp(`<section id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(html);
  assert.ok(match?.[1], `no section #${id} on the page`);
  return match[1];
}

/** The <tr> of the users table that names this email. */
function userRowOf(html: string, email: string): string {
  const row = [...section(html, 'admin-users').matchAll(/<tr data-user-id[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes(email));
  assert.ok(row, `${email} is not in the users table`);
  return row;
}

function hasAdminLink(html: string): boolean {
  return /<a href="\/admin"[^>]*>Admin<\/a>/.test(html);
}

async function disabledAt(app: TestApp, email: string): Promise<number | null> {
  return (await app.db.row<{ disabled_at: number | null }>('SELECT disabled_at FROM users WHERE email = ?', email))?.disabled_at ?? null;
}

/** A signed-in client and its address. */
async function account(app: TestApp, prefix = 'analyst'): Promise<{ client: HttpClient; email: string }> {
  const email = uniqueEmail(prefix);
  return { client: await signedIn(app, email), email };
}

/** POSTs to an admin action with the token from the dashboard. */
async function adminPost(admin: HttpClient, path: string) {
  return admin.postForm(path, {}, '/admin');
}

// ------------------------------------------------------------------ who is an admin

describe('admin access for an account given the admin role (npm run admin -- grant)', () => {
  let admin: { client: HttpClient; email: string };
  const app = appSuite();
  before(async () => {
    const email = uniqueEmail('granted');
    admin = { client: await adminClient(app, email), email };
  });

  test('when the admin opens /admin, then the dashboard is shown, linked in the menu and never cached', async () => {
    // Act
    const page = await admin.client.get('/admin');
    const reports = await admin.client.get('/reports');

    // Assert
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    for (const id of ['admin-keys', 'admin-queue', 'admin-activity', 'admin-cache', 'admin-errors', 'admin-users']) section(page.html, id);
    assert.ok(hasAdminLink(reports.html), 'the admin sees an Admin link in the menu');
    assert.match(userRowOf(page.html, admin.email), /you/);
    assert.ok(!userRowOf(page.html, admin.email).includes('/disable'), 'no Disable button for yourself');
  });

  test('when another user or a visitor asks for any admin URL, then the answer is the plain 404 of an unknown page', async () => {
    // Arrange
    const other = await account(app, 'second');
    const unknownPage = await other.client.get('/no-such-page');
    const token = other.client.csrfToken();
    const adminId = await userIdOf(app, admin.email);

    // Act
    const dashboard = await other.client.get('/admin');
    const disable = await other.client.postForm(`/admin/users/${adminId}/disable`, { _csrf: token });
    const enable = await other.client.postForm(`/admin/users/${adminId}/enable`, { _csrf: token });
    const anonymous = await app.client().get('/admin');
    const ownPage = await other.client.get('/reports');

    // Assert
    assert.equal(dashboard.status, 404);
    assert.equal(dashboard.html, unknownPage.html, 'nothing tells /admin apart from a page that does not exist');
    assert.equal(disable.status, 404);
    assert.equal(enable.status, 404);
    assert.equal(await disabledAt(app, admin.email), null, 'the admin was not disabled');
    assert.equal(anonymous.status, 404);
    assert.ok(!anonymous.html.includes('admin-users'));
    assert.ok(!hasAdminLink(ownPage.html), 'no Admin link for a non-admin');
  });

  test('when users have reports, then the users table shows each with its report count and state', async () => {
    // Arrange
    const analyst = await account(app);
    await uploadHashes(analyst.client, [newFile(app.sim).md5]);
    await uploadHashes(analyst.client, [newFile(app.sim).md5]);

    // Act
    const page = await admin.client.get('/admin');

    // Assert
    const row = textOf(userRowOf(page.html, analyst.email));
    assert.match(row, new RegExp(`${analyst.email.replace(/[.]/g, '\\.')} \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC 2 active Disable`));
    assert.match(textOf(userRowOf(page.html, admin.email)), / 0 active you$/);
  });

  test('when the admin disables a user, then that user is signed out, cannot log in, and can again once enabled', async () => {
    // Arrange
    const victim = await account(app, 'disabled');
    await assertSignedInAs(victim.client, victim.email);
    const id = await userIdOf(app, victim.email);

    // Act: disable
    const disable = await adminPost(admin.client, `/admin/users/${id}/disable`);

    // Assert: the old session is gone, logging in names the reason, a wrong password does not
    assert.equal(disable.status, 303);
    assert.equal(disable.headers.get('location'), '/admin');
    assert.ok(await disabledAt(app, victim.email), 'disabled_at is set');
    await assertSignedOut(victim.client);
    const login = await app.client().login(victim.email, PASSWORD);
    assert.equal(login.status, 401);
    assert.match(await textOfResponse(login), /This account is disabled\. Ask an administrator\./);
    const wrong = await app.client().login(victim.email, 'not the password at all');
    assert.equal(wrong.status, 401);
    const wrongText = await textOfResponse(wrong);
    assert.match(wrongText, /Wrong email or password\./);
    assert.ok(!wrongText.includes('disabled'), 'without the password nothing says the account exists');
    const page = await admin.client.get('/admin');
    assert.match(textOf(userRowOf(page.html, victim.email)), /disabled since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC Enable$/);

    // Act: enable
    const enable = await adminPost(admin.client, `/admin/users/${id}/enable`);
    const again = app.client();
    const relogin = await again.login(victim.email, PASSWORD);

    // Assert
    assert.equal(enable.status, 303);
    assert.equal(await disabledAt(app, victim.email), null);
    assert.equal(relogin.status, 303);
    await assertSignedInAs(again, victim.email);
  });

  test('when the admin tries to disable their own account, then it is refused with a clear message and nothing changes', async () => {
    // Act
    const response = await adminPost(admin.client, `/admin/users/${await userIdOf(app, admin.email)}/disable`);

    // Assert
    assert.equal(response.status, 400);
    assert.match(textOf(response.html), /You cannot disable your own account\./);
    assert.equal(await disabledAt(app, admin.email), null);
    assert.equal((await admin.client.get('/admin')).status, 200, 'still signed in and still the admin');
  });

  test('when a disable request carries no valid CSRF token, then it is refused and the user stays enabled', async () => {
    // Arrange
    const target = await account(app);
    const id = await userIdOf(app, target.email);

    // Act
    const missing = await admin.client.request(`/admin/users/${id}/disable`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    const forged = await admin.client.postForm(`/admin/users/${id}/disable`, { _csrf: 'forged-token' });

    // Assert
    assert.equal(missing.status, 403);
    assert.equal(forged.status, 403);
    assert.equal(await disabledAt(app, target.email), null);
    await assertSignedInAs(target.client, target.email);
  });

  test('when the user id is unknown or not a number, then the admin gets a 404', async () => {
    // Act
    const unknown = await adminPost(admin.client, '/admin/users/999999/disable');
    const garbage = await adminPost(admin.client, '/admin/users/1e3/disable');

    // Assert
    assert.equal(unknown.status, 404);
    assert.equal(garbage.status, 404);
  });

  test('when a lookup ends in an error, then the dashboard lists the hash and the reason', async () => {
    // Arrange
    const analyst = await account(app);
    const hash = hex(32);
    app.sim.failNext(3, '503');
    const id = await uploadHashes(analyst.client, [hash]);
    await waitForCompletion(analyst.client, id);

    // Act
    const page = await admin.client.get('/admin');

    // Assert
    const errors = /<table id="error-rows">([\s\S]*?)<\/table>/.exec(section(page.html, 'admin-errors'))?.[1] ?? '';
    const row = [...errors.matchAll(/<tr>[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes(hash));
    assert.ok(row, 'the failed hash is listed');
    assert.match(textOf(row), /503/);
    assert.ok(!section(page.html, 'admin-errors').includes(analyst.email), 'errors name no owner');
  });
});

describe('admin access when ADMIN_EMAILS names the admins and email confirms their addresses', () => {
  const boss = uniqueEmail('boss');
  // Upper case in the setting: addresses are compared lowercased.
  const app = appSuite({ mail: true, env: { ADMIN_EMAILS: `someone-else@example.test, ${boss.toUpperCase()}` } });

  test('when the first user is not listed and a later one is, then only the listed one (once confirmed) is an admin', async () => {
    // Arrange
    const first = await signedIn(app);
    const named = await signedIn(app, boss);

    // Act
    const firstPage = await first.get('/admin');
    const namedPage = await named.get('/admin');

    // Assert
    assert.equal(firstPage.status, 404);
    assert.equal(namedPage.status, 200);
    assert.ok(hasAdminLink(namedPage.html));
    assert.ok(!hasAdminLink((await first.get('/reports')).html));
  });
});

// ------------------------------------------------------------------ what the dashboard counts

describe('the dashboard\'s cache and activity numbers', () => {
  const app = appSuite();

  test('when a hash is looked up once and then uploaded again, then the hit rate is 50 %, one call was saved, and the chart counts one call', async () => {
    // Arrange
    const admin = await adminClient(app);
    const analyst = await signedIn(app);
    const file = newFile(app.sim);
    const first = await uploadHashes(analyst, [file.sha256]);
    await waitForCompletion(analyst, first);
    const second = await uploadHashes(analyst, [file.sha256]);
    await waitForCompletion(analyst, second);

    // Act
    const page = await admin.get('/admin');

    // Assert: the second report was answered from the cache without a call
    assert.equal((await exportJson(analyst, second)).items[0]?.fromCache, true);
    assert.equal(app.sim.calls.length, 1, 'the fake saw one call');
    const cache = section(page.html, 'admin-cache');
    assert.match(cache, /<dd id="cache-entries">1<\/dd>/);
    assert.match(cache, /<dd id="cache-aliases">3<\/dd>/, 'MD5, SHA-1 and SHA-256 lead to the entry');
    assert.match(cache, /<dd id="cache-hit-rate">50 %<\/dd>/);
    assert.match(cache, /<dd id="cache-calls-saved">1<\/dd>/);
    const activity = section(page.html, 'admin-activity');
    assert.match(activity, /<title id="activity-title">1 lookup in the last 24 h, peak 1 per minute<\/title>/);
    assert.match(activity, /<svg class="chart"[^>]*role="img"/);
    assert.match(activity, /<polygon class="chart-area" points="[\d., ]+"\/>/);
    assert.ok(!/style=/.test(page.html), 'no inline styles: the CSP forbids them');
    assert.match(textOf(section(page.html, 'admin-users')), / 2 active Disable/, 'the analyst has two reports');
  });
});

describe('the dashboard\'s queue on an install without a key', () => {
  const app = appSuite({ noKey: true });

  test('when a user\'s rows wait for lookups, then the queue shows their address and how many rows wait', async () => {
    // Arrange
    const admin = await adminClient(app);
    const email = uniqueEmail('queued');
    const analyst = await signedIn(app, email);
    await uploadHashes(analyst, [hex(16), hex(20), hex(32)]);

    // Act
    const page = await admin.get('/admin');

    // Assert
    const queue = textOf(section(page.html, 'admin-queue'));
    assert.match(queue, /Lookups in flight: 0/);
    assert.match(queue, new RegExp(`${email.replace(/[.]/g, '\\.')} 3`));
    assert.match(textOf(section(page.html, 'admin-keys')), /No VirusTotal key is configured\./);
  });
});

// ------------------------------------------------------------------ what the lookup engine reports

describe('the dashboard\'s keys and failed calls', () => {
  let admin: HttpClient;
  const app = appSuite();
  before(async () => {
    admin = await adminClient(app);
  });

  test('when the shared key has made one call, then its row shows the hint, shared, usage against the allowance and sending', async () => {
    // Arrange
    const analyst = await signedIn(app);
    await waitForCompletion(analyst, await uploadHashes(analyst, [newFile(app.sim).md5]));

    // Act
    const page = await admin.get('/admin');

    // Assert
    const rows = keyRows(page);
    assert.equal(rows.length, 1, rows.join('\n'));
    assert.equal(rows[0], `…${TEST_KEY.slice(-4)} shared 1 / 1000 1 / 100000 1 / no cap sending`);
    assert.ok(!page.html.includes(TEST_KEY), 'the key itself never reaches a page');
  });

  test('when VirusTotal fails a call, then the failed calls list its time, key hint, kind, reason and hash', async () => {
    // Arrange
    const analyst = await signedIn(app);
    const hash = hex(32);
    app.sim.failNext(1, '503');
    await waitForCompletion(analyst, await uploadHashes(analyst, [hash]));

    // Act
    const page = await waitFor(async () => {
      const p = await admin.get('/admin');
      return p.html.includes('id="lookup-failures"') ? p : null;
    }, 'a failed call on the dashboard', 3000);

    // Assert
    const failures = /<table id="lookup-failures">([\s\S]*?)<\/table>/.exec(page.html)?.[1] ?? '';
    const row = [...failures.matchAll(/<tr>[\s\S]*?<\/tr>/g)].map((m) => textOf(m[0])).find((r) => r.includes(hash));
    assert.ok(row, failures);
    assert.match(row, new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC …${TEST_KEY.slice(-4)} transient .*503.* ${hash}$`));
  });

  test('when a user saved a personal key, then it is listed as theirs, and disabling them takes it out of service', async () => {
    // Arrange
    const email = uniqueEmail('own-key');
    const owner = await signedIn(app, email);
    const personal = hex(32);
    const saved = await owner.postForm('/settings/api-key', { key: personal, perMinute: '4', perDay: '500', perMonth: '20000', useShared: 'on' }, '/settings');
    assert.equal(saved.status, 303);

    // Act
    const before = keyRows(await admin.get('/admin'));
    await adminPost(admin, `/admin/users/${await userIdOf(app, email)}/disable`);
    const after = keyRows(await admin.get('/admin'));

    // Assert
    assert.ok(before.includes(`…${personal.slice(-4)} personal (${email}) 0 / 4 0 / 500 0 / 20000 sending`), before.join('\n'));
    assert.ok(!after.some((r) => r.includes(email)), 'a disabled account\'s key no longer serves');
  });
});

// ------------------------------------------------------------------ small helpers using the app

/** The body rows of the keys table, as text. */
function keyRows(page: { html: string }): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(section(page.html, 'admin-keys'))?.[1] ?? '';
  return [...body.matchAll(/<tr>[\s\S]*?<\/tr>/g)].map((m) => textOf(m[0]));
}

async function textOfResponse(response: Response & { html?: string }): Promise<string> {
  return textOf(response.html ?? (await response.text()));
}
