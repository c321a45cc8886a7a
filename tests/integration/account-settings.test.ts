import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { capturedLogger } from '../helpers/log-capture.js';
import { SMTPServer } from 'smtp-server';
import { reportIdFrom, waitFor, waitForCompletion, appIdle } from '../helpers/test-app.js';
import { formAlert, mailsTo } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';

const PASSWORD = 'correct horse battery'; // what HttpClient.register uses
const COOKIE = 'hash_report.sid';
const NOTIFY_BOX = /<input type="checkbox" name="notify" value="on"\s*(checked)?>/;
const PREFERENCE_BOX = /<input type="checkbox" name="notifyDefault" value="on"\s*(checked)?>/;

function notice(html: string): string | undefined {
  return /<p class="notice" role="status">([\s\S]*?)<\/p>/.exec(html)?.[1]?.trim();
}

/** Whether the alert sits inside the named form's section: after its heading, before the next section's. */
function alertIsAt(html: string, heading: string, nextHeading?: string): boolean {
  const at = html.indexOf('role="alert"');
  const start = html.indexOf(heading);
  const end = nextHeading ? html.indexOf(nextHeading) : html.length;
  return at > start && start >= 0 && at < end;
}

function savePreferences(client: HttpClient, fields: Record<string, string>) {
  return client.postForm('/settings/email', fields, '/settings');
}

function deleteAccount(client: HttpClient, fields: Partial<Record<'confirmation' | 'password', string>>) {
  return client.postForm('/settings/account/delete', { confirmation: 'DELETE', password: PASSWORD, ...fields }, '/settings');
}

describe('account settings with SMTP configured', () => {
  const userRow = async (email: string) =>
    await app.db.row<{ id: number; notify_default: number; email_attachment: string }>('SELECT id, notify_default, email_attachment FROM users WHERE email = ?', email);

  const app = appSuite({ mail: true });

  describe('the email section', () => {
    test('when a new user opens /settings, then the email section shows the box unticked, "no file" chosen, CSV and PDF offered', async () => {
      // Arrange
      const client = await signedIn(app);

      // Act
      const page = await client.get('/settings');

      // Assert
      assert.equal(page.status, 200);
      assert.match(page.html, /<form method="post" action="\/settings\/email">/);
      assert.equal(PREFERENCE_BOX.exec(page.html)?.[1], undefined, 'the box starts unticked');
      assert.match(page.html, /<input type="radio" name="attachment" value="none" checked>/);
      assert.match(page.html, /<input type="radio" name="attachment" value="csv"\s*>/);
      assert.match(page.html, /<input type="radio" name="attachment" value="pdf"\s*>/);
      assert.match(page.html, /A file over 5 MB is not attached/);
      assert.match(page.html, /<form method="post" action="\/settings\/test-email">/);
      assert.match(page.html, /<button type="submit">Send a test email<\/button>/);
    });

    test('when a user saves "tick the email box", then it is stored, shown, and their upload form starts ticked while another user\'s does not', async () => {
      // Arrange
      const email = uniqueEmail('notify-default');
      const client = await signedIn(app, email);
      const other = await signedIn(app);

      // Act
      const saved = await savePreferences(client, { notifyDefault: 'on', attachment: 'csv' });
      const settings = await client.get('/settings?email=saved');
      const form = await client.get('/reports/new');
      const otherForm = await other.get('/reports/new');

      // Assert
      assert.equal(saved.status, 303, saved.html.slice(0, 300));
      assert.equal(saved.headers.get('location'), '/settings?email=saved');
      assert.deepEqual({ ...(await userRow(email)), id: 0 }, { id: 0, notify_default: 1, email_attachment: 'csv' });
      assert.equal(notice(settings.html), 'Your email settings were saved.');
      assert.equal(PREFERENCE_BOX.exec(settings.html)?.[1], 'checked');
      assert.match(settings.html, /<input type="radio" name="attachment" value="csv" checked>/);
      assert.equal(NOTIFY_BOX.exec(form.html)?.[1], 'checked', 'the upload form starts ticked');
      assert.equal(NOTIFY_BOX.exec(otherForm.html)?.[1], undefined, 'another user\'s form is untouched');
    });

    test('when the box is saved unticked again (a browser sends nothing for it), then the default is off and the upload form starts unticked', async () => {
      // Arrange
      const email = uniqueEmail('notify-off');
      const client = await signedIn(app, email);
      await savePreferences(client, { notifyDefault: 'on', attachment: 'none' });

      // Act
      const saved = await savePreferences(client, { attachment: 'none' });
      const form = await client.get('/reports/new');

      // Assert
      assert.equal(saved.status, 303);
      assert.equal((await userRow(email))?.notify_default, 0);
      assert.equal(NOTIFY_BOX.exec(form.html)?.[1], undefined);
    });

    test('when the default is on but the user unticks the box and the upload is refused, then the form comes back unticked (what was sent, not the default)', async () => {
      // Arrange
      const client = await signedIn(app);
      await savePreferences(client, { notifyDefault: 'on', attachment: 'none' });

      // Act: nothing to look up, and no notify field, as a browser sends an unticked box
      const refused = await client.upload({ hashes: '' });

      // Assert
      assert.equal(refused.status, 422);
      assert.equal(NOTIFY_BOX.exec(refused.html)?.[1], undefined);
    });

    test('when the default is on and the prefilled form is sent, then the report asks for the email and it arrives', async () => {
      // Arrange
      const email = uniqueEmail('prefilled');
      const client = await signedIn(app, email);
      await savePreferences(client, { notifyDefault: 'on', attachment: 'none' });
      const file = newFile(app.sim);

      // Act: the browser sends the box as it was shown, ticked
      const form = await client.get('/reports/new');
      const id = reportIdFrom(await client.upload({ hashes: file.md5, name: 'Prefilled', notify: true }));
      await waitForCompletion(client, id);
      const [mail] = await waitFor(async () => (mailsTo(app, email).length > 0 ? mailsTo(app, email) : null), 'the completion email', 5000);

      // Assert
      assert.equal(NOTIFY_BOX.exec(form.html)?.[1], 'checked');
      assert.match(mail?.subject ?? '', /Prefilled/);
    });

    test('when an attachment the install cannot make is posted, then 422 at the email form and nothing is saved', async () => {
      // Arrange
      const email = uniqueEmail('bad-choice');
      const client = await signedIn(app, email);

      // Act
      const zip = await savePreferences(client, { notifyDefault: 'on', attachment: 'zip' });
      const exe = await savePreferences(client, { attachment: 'exe' });

      // Assert
      for (const response of [zip, exe]) {
        assert.equal(response.status, 422);
        assert.equal(formAlert(response.html), 'Choose one of the attachment options shown.');
        assert.ok(alertIsAt(response.html, 'id="email"', '<h3>Test email</h3>'), 'the message is at the email form');
      }
      assert.deepEqual({ ...(await userRow(email)), id: 0 }, { id: 0, notify_default: 0, email_attachment: 'none' });
    });
  });

  describe('the test email', () => {
    test('when a user asks for a test email, then one arrives at their address and the page says so', async () => {
      // Arrange
      const email = uniqueEmail('test-mail');
      const client = await signedIn(app, email);

      // Act
      const response = await client.postForm('/settings/test-email', {}, '/settings');
      const page = await client.get(response.headers.get('location') ?? '');
      await waitFor(async () => mailsTo(app, email).length > 0, 'the test email', 5000);

      // Assert
      assert.equal(response.status, 303, response.html.slice(0, 300));
      assert.equal(response.headers.get('location'), '/settings?test=sent');
      assert.equal(notice(page.html), `Test email sent to ${email}.`);
      const [mail] = mailsTo(app, email);
      assert.ok(mail, 'the test email arrived');
      assert.equal(mailsTo(app, email).length, 1);
      assert.equal(mail.subject, 'Hash Report test email');
      assert.ok(mail.text?.includes('http://reports.example.test'), mail.text);
      assert.ok(mail.text?.includes(email));
      assert.equal(typeof mail.html, 'string');
    });

    test('when a second test email is asked for within a minute, then 429 at the test email form and no second email is sent', async () => {
      // Arrange
      const email = uniqueEmail('test-twice');
      const client = await signedIn(app, email);
      assert.equal((await client.postForm('/settings/test-email', {}, '/settings')).status, 303);
      await waitFor(async () => mailsTo(app, email).length > 0, 'the first test email', 5000);

      // Act
      const again = await client.postForm('/settings/test-email', {}, '/settings');
      await appIdle(app);

      // Assert
      assert.equal(again.status, 429);
      assert.ok(Number(again.headers.get('retry-after')) > 0);
      assert.match(formAlert(again.html) ?? '', /^A test email was sent to you less than a minute ago\. Try again in (\d+ seconds?|1 minute)\.$/);
      assert.ok(alertIsAt(again.html, '<h3>Test email</h3>', 'id="delete-account"'), 'the message is at the test email form');
      assert.equal(mailsTo(app, email).length, 1);
    });

    test('when the SMTP server refuses the test email, then the page gives its reason at the test email form', async () => {
      // Arrange
      const email = uniqueEmail('test-refused');
      const client = await signedIn(app, email);
      app.smtp?.failNext(1);

      // Act
      const response = await client.postForm('/settings/test-email', {}, '/settings');

      // Assert
      assert.equal(response.status, 502);
      assert.match(
        formAlert(response.html) ?? '',
        new RegExp(`^The test email to ${email.replace(/[.]/g, '\\.')} could not be sent: The email server did not take the message \\(reference [0-9a-f]{8}`),
      );
      assert.ok(alertIsAt(response.html, '<h3>Test email</h3>', 'id="delete-account"'));
      assert.equal(mailsTo(app, email).length, 0);
    });
  });

  describe('deleting the account', () => {
    /** A user with a finished report, a personal API key and a second signed-in browser. */
    async function fullAccount() {
      const email = uniqueEmail('leaving');
      const a = await signedIn(app, email);
      const b = app.client();
      assert.equal((await b.login(email, PASSWORD)).status, 303);
      const reportId = await uploadHashes(a, [newFile(app.sim).sha256, hex(16), 'not a hash'], 'Leaving soon');
      await waitForCompletion(a, reportId);
      const key = await a.postForm('/settings/api-key', { key: hex(32), perMinute: '4', perDay: '500' }, '/settings');
      assert.equal(key.status, 303, 'the API key was saved');
      const id = (await userRow(email))?.id ?? -1;
      return { email, a, b, id, reportId };
    }

    const counts = async (userId: number, reportId: string) => ({
      users: (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM users WHERE id = ?', userId))?.n,
      reports: (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM reports WHERE user_id = ?', userId))?.n,
      reportItems: (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM report_items WHERE report_id = ?', reportId))?.n,
      apiKeys: (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM user_api_keys WHERE user_id = ?', userId))?.n,
      sessions: (await app.db.row<{ n: number }>(`SELECT count(*) AS n FROM sessions WHERE ${app.db.dialect === 'postgres' ? "CAST(sess AS jsonb) ->> 'userId'" : "json_extract(sess, '$.userId')"} = ?`, userId))?.n,
    });

    test('when the page is shown, then the delete section is last, asking for the email or DELETE and the password', async () => {
      const client = await signedIn(app);
      const page = await client.get('/settings');
      assert.ok(page.html.indexOf('id="delete-account"') > page.html.indexOf('action="/settings/test-email"'));
      assert.match(page.html, /<form method="post" action="\/settings\/account\/delete" novalidate>/);
      assert.match(page.html, /<label for="confirmation">Type your email address \([^)]+\) or DELETE<\/label>\s*<input id="confirmation" name="confirmation" type="text"/);
      assert.match(page.html, /<label for="deletePassword">Your password<\/label>\s*<input id="deletePassword" name="password" type="password" autocomplete="current-password"/);
      assert.match(page.html, /<button type="submit" class="danger">Delete my account<\/button>/);
    });

    test('when the confirmation is wrong, then 422 at the delete form, nothing is deleted and both sessions stay', async () => {
      // Arrange
      const { email, a, b, id, reportId } = await fullAccount();
      const before = await counts(id, reportId);

      // Act
      const response = await deleteAccount(a, { confirmation: 'delete me please' });

      // Assert
      assert.equal(response.status, 422);
      assert.equal(formAlert(response.html), 'Type your email address or DELETE to confirm; nothing was deleted.');
      assert.match(response.html, new RegExp(`<p class="field-error">Type ${email.replace(/[.]/g, '\\.')} or DELETE\\.</p>`));
      assert.ok(alertIsAt(response.html, 'id="delete-account"'), 'the message is at the delete form');
      assert.ok(!response.html.includes('delete me please'), 'the confirmation is not sent back');
      assert.deepEqual(await counts(id, reportId), before);
      assert.equal((await a.get('/reports')).status, 200);
      assert.equal((await b.get('/reports')).status, 200);
    });

    test('when the password is wrong, then 422 at the delete form, the password is not echoed and nothing is deleted', async () => {
      // Arrange
      const { email, a, b, id, reportId } = await fullAccount();
      const before = await counts(id, reportId);
      const wrong = 'Not-My-Password-123';

      // Act
      const response = await deleteAccount(a, { confirmation: email.toUpperCase(), password: wrong });

      // Assert
      assert.equal(response.status, 422);
      assert.equal(formAlert(response.html), 'Your current password is not right.');
      assert.match(response.html, /<p class="field-error">This is not your current password\.<\/p>/);
      assert.ok(alertIsAt(response.html, 'id="delete-account"'));
      assert.ok(!response.html.includes(wrong));
      assert.deepEqual(await counts(id, reportId), before);
      assert.equal((await a.get('/reports')).status, 200);
      assert.equal((await b.get('/reports')).status, 200);
    });

    test('when the email and password are right, then the account, its reports, rows, key and sessions are gone, both browsers are signed out and login fails', async () => {
      // Arrange
      const { email, a, b, id, reportId } = await fullAccount();
      assert.deepEqual(await counts(id, reportId), { users: 1, reports: 1, reportItems: 3, apiKeys: 1, sessions: 2 });
      assert.ok(app.runtime.lookups.keys().some((k) => k.ownerId === id), 'the key ring holds the personal key');

      // Act
      const response = await deleteAccount(a, { confirmation: email });
      const cookieAfter = a.cookie(COOKIE);
      const home = await a.get(response.headers.get('location') ?? '');

      // Assert
      assert.equal(response.status, 303, response.html.slice(0, 300));
      assert.equal(response.headers.get('location'), '/?account=deleted');
      assert.equal(cookieAfter, undefined, 'the cookie was cleared');
      assert.equal(home.status, 200);
      assert.equal(notice(home.html), 'Your account and all its reports were deleted.');
      assert.deepEqual(await counts(id, reportId), { users: 0, reports: 0, reportItems: 0, apiKeys: 0, sessions: 0 });
      assert.ok(!app.runtime.lookups.keys().some((k) => k.ownerId === id), 'the key ring forgot the personal key');
      const bounce = await b.get('/reports');
      assert.equal(bounce.status, 303);
      assert.match(bounce.headers.get('location') ?? '', /^\/login\?next=%2Freports/);
      assert.equal((await b.get(`/reports/${reportId}/export.csv`)).status, 404);
      assert.equal((await app.client().login(email, PASSWORD)).status, 401);
    });

    test('when DELETE is typed instead of the email, then the account is deleted too', async () => {
      // Arrange
      const { email, a, id, reportId } = await fullAccount();

      // Act
      const response = await deleteAccount(a, { confirmation: 'DELETE' });

      // Assert
      assert.equal(response.status, 303);
      assert.equal((await counts(id, reportId)).users, 0);
      assert.equal((await app.client().login(email, PASSWORD)).status, 401);
    });
  });

  test('when any of the new forms is posted without a valid CSRF token, then 403 and nothing changes or is sent', async () => {
    // Arrange
    const email = uniqueEmail('forged');
    const client = await signedIn(app, email);
    const mailsBefore = app.smtp?.messages.length;
    const forms: Array<[string, Record<string, string>]> = [
      ['/settings/email', { notifyDefault: 'on', attachment: 'csv' }],
      ['/settings/test-email', {}],
      ['/settings/account/delete', { confirmation: 'DELETE', password: PASSWORD }],
    ];

    for (const [path, fields] of forms) {
      for (const token of [undefined, hex(32)]) {
        // Act
        const response = await client.postForm(path, { _csrf: token ?? '', ...fields });

        // Assert
        assert.equal(response.status, 403, `${path} with ${token ? 'a made-up' : 'no'} token`);
        assert.match(response.html, /<h1>Form expired<\/h1>/);
      }
    }
    await appIdle(app);
    assert.deepEqual({ ...(await userRow(email)), id: 0 }, { id: 0, notify_default: 0, email_attachment: 'none' });
    assert.equal(app.smtp?.messages.length, mailsBefore);
    assert.equal((await client.get('/reports')).status, 200, 'still signed in');
  });
});

describe('account settings without SMTP', () => {
  const app = appSuite();

  test('when SMTP_URL is unset, then /settings has no email section and no test email button, and the delete section is there', async () => {
    const client = await signedIn(app);
    const page = await client.get('/settings');
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.html, /action="\/settings\/email"/);
    assert.doesNotMatch(page.html, /action="\/settings\/test-email"/);
    assert.doesNotMatch(page.html, /Send a test email/);
    assert.match(page.html, /This server sends no email/);
    assert.match(page.html, /action="\/settings\/account\/delete"/);
  });

  test('when a test email is posted anyway, then it is refused with the reason', async () => {
    const client = await signedIn(app);
    const response = await client.postForm('/settings/test-email', {}, '/settings');
    assert.equal(response.status, 409);
    assert.equal(formAlert(response.html), 'Email is not set up on this server (SMTP_URL is unset), so no test email can be sent.');
    assert.ok(alertIsAt(response.html, 'id="email"', 'id="delete-account"'), 'the message is where the email section would be');
  });
});

describe('the test email when the SMTP server repeats the password in its refusal', () => {
  const SMTP_PASSWORD = `pw-${hex(8)}`;
  const authPlain = Buffer.from(`\u0000reports\u0000${SMTP_PASSWORD}`).toString('base64');
  let server: SMTPServer;
  const logLines: string[] = [];

  const app = appSuite(async () => {
    // A server that refuses every login and quotes the password back, as a careless one might.
    server = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        const echoed = `Invalid login for ${auth.username} with ${auth.password} (AUTH PLAIN ${authPlain}, ${Buffer.from(auth.password ?? '').toString('base64')})`;
        callback(Object.assign(new Error(echoed), { responseCode: 535 }));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    server.on('error', () => {});
    const { port } = server.server.address() as AddressInfo;
    return {
      env: { SMTP_URL: `smtp://reports:${SMTP_PASSWORD}@127.0.0.1:${port}`, APP_URL: 'http://reports.example.test' },
      tuning: { logger: capturedLogger(logLines).logger },
    };
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('when the send fails, then the page gives a reference and the log keeps the reason with the password blanked out in every form', async () => {
    // Arrange: an account confirmed while the mail server still took mail (registration now
    // fails to send its link, but keeps the registration; using the link is written directly)
    const email = uniqueEmail('smtp-broken');
    const client = app.client();
    assert.equal((await client.register(email)).status, 502);
    await app.db.run(
      'INSERT INTO users (email, password_hash, created_at, email_confirmed_at) SELECT email, password_hash, created_at, created_at FROM email_confirmations WHERE email = ?',
      email,
    );
    assert.equal((await client.login(email)).status, 303);
    const forms = [SMTP_PASSWORD, authPlain, Buffer.from(SMTP_PASSWORD).toString('base64')];

    // Act
    const response = await client.postForm('/settings/test-email', {}, '/settings');

    // Assert
    assert.equal(response.status, 502);
    const reference = /could not be sent: The email server did not take the message \(reference ([0-9a-f]{8})/.exec(formAlert(response.html) ?? '')?.[1];
    assert.ok(reference, 'the page gives a reference');
    assert.doesNotMatch(response.html, /Invalid login/, 'the server text is not on the page');
    const logged = logLines.find((line) => line.includes(reference)) ?? '';
    assert.match(logged, /Invalid login for reports with \*\*\* \(AUTH PLAIN \*\*\*, \*\*\*\)/);
    for (const form of forms) assert.ok(!response.html.includes(form) && !logLines.join('').includes(form), `${form} leaked`);
  });
});
