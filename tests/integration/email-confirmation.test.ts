/**
 * With email on, an address belongs to whoever reads its mailbox: registration answers the same for
 * every address, the account is made when the emailed link is used with the chosen password, and
 * no other email goes to an address nobody confirmed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appIdle, sameDatabase, startTestApp, waitForCompletion, type TestApp } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { confirmAddress, confirmationLink, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { assertSignedInAs, assertSignedOut, formAlert, mailsTo, textOf } from '../helpers/page.js';

const PASSWORD = 'correct horse battery'; // what HttpClient.register uses

/** The page as a reader sees it, with the address taken out, so two answers can be compared. */
const pageWithout = (html: string, email: string) => textOf(html).split(email).join('EMAIL');

describe('registration with email on', () => {
  const app = appSuite({ mail: true });

  test('when an address that has an account and a new one register, then both get the same status and page, no session, and only their mailboxes differ', async () => {
    // Arrange
    const taken = uniqueEmail('taken');
    await signedIn(app, taken);
    const fresh = uniqueEmail('fresh');
    const attacker = app.client();
    const newcomer = app.client();
    await attacker.get('/register');
    await newcomer.get('/register');
    const sessionsBefore = [attacker.cookie('hash_report.sid'), newcomer.cookie('hash_report.sid')];

    // Act
    const existing = await attacker.register(taken, 'another long passphrase');
    const created = await newcomer.register(fresh);

    // Assert: the same answer
    assert.equal(existing.status, 200);
    assert.equal(created.status, 200);
    assert.equal(pageWithout(existing.html, taken), pageWithout(created.html, fresh));
    assert.match(textOf(created.html), new RegExp(`Check your inbox at ${fresh.replace(/[.]/g, '\\.')}`));
    assert.deepEqual([attacker.cookie('hash_report.sid'), newcomer.cookie('hash_report.sid')], sessionsBefore, 'neither session was replaced by a signed-in one');
    await assertSignedOut(attacker);
    await assertSignedOut(newcomer);
    // Assert: the owner of the taken address is told, the new one gets a link
    const [note] = mailsTo(app, taken);
    assert.match(note?.subject ?? '', /Someone tried to create a Hash Report account with your address/);
    assert.match(note?.text ?? '', /If it was you, sign in instead: http:\/\/reports\.example\.test\/login/);
    assert.ok(!/confirm-email/.test(note?.text ?? ''), 'no link for an address that has an account');
    assert.ok(await confirmationLink(app, fresh));
    assert.equal(await app.db.row('SELECT id FROM users WHERE email = ?', fresh), undefined, 'no account until the link is used');
  });

  test('when a registered but unconfirmed user signs in, then it is refused and says how to confirm; a wrong password says nothing of it', async () => {
    // Arrange
    const email = uniqueEmail('pending');
    await app.client().register(email);

    // Act
    const right = await app.client().login(email, PASSWORD);
    const wrong = await app.client().login(email, 'not the chosen password');

    // Assert
    assert.equal(right.status, 401);
    assert.match(formAlert(right.html) ?? '', /Confirm your address first: open the link we emailed to you\. No email, or the link expired\? Create the account again with the same address to get a new link\./);
    assert.equal(wrong.status, 401);
    assert.equal(formAlert(wrong.html), 'Wrong email or password.');
  });

  test('when the link is opened, then it asks the password; a wrong one confirms nothing, the right one confirms once and the link then no longer works', async () => {
    // Arrange
    const email = uniqueEmail('confirm-once');
    const client = app.client();
    await client.register(email);
    const link = await confirmationLink(app, email);
    const token = new URL(link).searchParams.get('token') ?? '';

    // Act
    const opened = await client.get(`/confirm-email?token=${encodeURIComponent(token)}`);
    const wrong = await client.postForm('/confirm-email', { token, password: 'not the chosen password' });
    const accountAfterWrong = await app.db.row('SELECT id FROM users WHERE email = ?', email);
    const right = await client.postForm('/confirm-email', { token, password: PASSWORD });
    const signInPage = await client.get(right.headers.get('location') ?? '');
    const reopened = await client.get(`/confirm-email?token=${encodeURIComponent(token)}`);
    const reused = await app.client().postForm('/confirm-email', { token, password: PASSWORD }, `/login`);

    // Assert
    assert.equal(opened.status, 200);
    assert.match(textOf(opened.html), new RegExp(`To confirm ${email.replace(/[.]/g, '\\.')} and create your account, type the password you chose\\.`));
    assert.equal(wrong.status, 422);
    assert.equal(accountAfterWrong, undefined, 'a wrong password makes no account');
    assert.equal(right.status, 303);
    assert.equal(right.headers.get('location'), '/login?confirmed=1');
    assert.match(textOf(signInPage.html), /Address confirmed — sign in\./);
    assert.ok((await app.db.row<{ email_confirmed_at: number | null }>('SELECT email_confirmed_at FROM users WHERE email = ?', email))?.email_confirmed_at);
    assert.equal(reopened.status, 400);
    assert.match(textOf(reopened.html), /This link no longer works: it was used already/);
    assert.equal(reused.status, 400);
    assert.equal((await client.login(email)).status, 303);
    await assertSignedInAs(client, email);
  });

  test('when a link is more than 24 hours old, then opening or using it is refused with a clear page and no account is made', async () => {
    // Arrange: the link's lifetime has run out
    const email = uniqueEmail('expired');
    const client = app.client();
    await client.register(email);
    const token = new URL(await confirmationLink(app, email)).searchParams.get('token') ?? '';
    await app.db.run('UPDATE email_confirmations SET expires_at = ? WHERE email = ?', Date.now() - 1, email);

    // Act
    const opened = await client.get(`/confirm-email?token=${encodeURIComponent(token)}`);
    const used = await client.postForm('/confirm-email', { token, password: PASSWORD }, '/login');

    // Assert
    for (const response of [opened, used]) {
      assert.equal(response.status, 400);
      assert.match(textOf(response.html), /This link no longer works .* more than 24 hours old\. To get a new one, create the account again with the same address/);
    }
    assert.equal(await app.db.row('SELECT id FROM users WHERE email = ?', email), undefined);
  });

  test('when an unconfirmed address is registered again, then the new password and link replace the old ones', async () => {
    // Arrange: someone registered the address with their password; its owner registers too
    const email = uniqueEmail('squatted');
    await app.client().register(email, 'squatters own passphrase');
    const squattersLink = await confirmationLink(app, email);
    const owner = app.client();
    await owner.register(email, PASSWORD);
    const ownersLink = await confirmationLink(app, email);

    // Act
    const old = await app.client().get(new URL(squattersLink).pathname + new URL(squattersLink).search);
    const confirmed = await confirmAddress(owner, ownersLink, PASSWORD);
    const squatterLogin = await app.client().login(email, 'squatters own passphrase');
    const ownerLogin = await owner.login(email, PASSWORD);

    // Assert
    assert.equal(old.status, 400, 'the first link no longer works');
    assert.equal(confirmed.status, 303);
    assert.equal(squatterLogin.status, 401);
    assert.equal(ownerLogin.status, 303);
  });
});

describe('an account made before email was turned on', () => {
  test('when email is turned on, then its address gets no completion or test email until it is confirmed from Settings', async () => {
    // Arrange: registered while the server sent no email, then the server restarts with SMTP
    const email = uniqueEmail('before-smtp');
    const withoutMail = await startTestApp();
    let withMail: TestApp | null = null;
    try {
      await signedIn(withoutMail, email);
      await withoutMail.stopApp();
      withMail = await startTestApp({ mail: true, ...sameDatabase(withoutMail), sim: withoutMail.sim });
      const app = withMail;
      const client = app.client();
      assert.equal((await client.login(email)).status, 303, 'an older account still signs in');

      // Act: a report asking for the email completes, and a test email is asked for
      const upload = await client.upload({ hashes: newFile(app.sim).md5, notify: true });
      const reportId = /^\/reports\/(.+)$/.exec(upload.headers.get('location') ?? '')?.[1] ?? '';
      await waitForCompletion(client, reportId);
      await appIdle(app);
      const test = await client.postForm('/settings/test-email', {}, '/settings');

      // Assert: nothing reached the address; the report page says why
      assert.equal(mailsTo(app, email).length, 0);
      assert.match(textOf((await client.get(`/reports/${reportId}`)).html), /your email address is not confirmed \(confirm it in Settings\)/);
      assert.equal(test.status, 409);
      assert.match(formAlert(test.html) ?? '', /Your address is not confirmed, so no email is sent to it/);

      // Act: confirm from Settings, then ask again
      const sent = await client.postForm('/settings/confirm-email', {}, '/settings');
      const confirmed = await confirmAddress(client, await confirmationLink(app, email), PASSWORD);
      const second = await uploadHashes(client, [newFile(app.sim).md5]);
      const testAgain = await client.postForm('/settings/test-email', {}, '/settings');

      // Assert
      assert.equal(sent.status, 303);
      assert.equal(confirmed.status, 303);
      assert.ok(second);
      assert.equal(testAgain.status, 303);
      assert.equal(mailsTo(app, email).length, 1, 'the test email, now that the address is confirmed');
    } finally {
      await withMail?.stop();
      await withoutMail.stop();
    }
  });
});
