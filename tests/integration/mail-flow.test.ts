import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { reportIdFrom, reportStatus, waitFor, waitForCompletion, appIdle } from '../helpers/test-app.js';
import { mailsTo } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { hex, newFile, signedIn } from '../helpers/factories.js';

const NOTIFY_LABEL = 'Email me when the report is ready';

const emailStatusOf = (html: string) => /<p class="email-status[^"]*">([\s\S]*?)<\/p>/.exec(html)?.[1]?.replace(/\s+/g, ' ').trim() ?? null;

describe('the report-ready email', () => {
  const app = appSuite({ mail: true });

  test('when mail is configured, then the upload form offers the email checkbox', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act
    const page = await client.get('/reports/new');

    // Assert
    assert.ok(page.html.includes(NOTIFY_LABEL));
    assert.match(page.html, /<input type="checkbox" name="notify"/);
  });

  test('when a report asked for an email completes, then one email arrives with its name, counts and absolute link', async () => {
    // Arrange
    const email = uniqueEmail('notified');
    const client = await signedIn(app, email);
    const file = newFile(app.sim, { malicious: 9 });
    const clean = newFile(app.sim, { malicious: 0 });
    const name = `Incident ${hex(3)} <phish>`;

    // Act
    const response = await client.upload({ hashes: [file.md5, clean.sha256, hex(20), 'junk'].join('\n'), name, notify: true });
    const id = reportIdFrom(response);
    await waitForCompletion(client, id);
    const [mail] = await waitFor(async () => (mailsTo(app, email).length > 0 ? mailsTo(app, email) : null), 'the email', 5000);
    await appIdle(app);
    const page = await client.get(`/reports/${id}`);

    // Assert
    assert.ok(mail);
    assert.equal(mailsTo(app, email).length, 1, 'exactly one email');
    assert.ok(mail.subject?.includes(name), mail.subject);
    assert.match(mail.subject ?? '', /1 malicious/);
    const link = `http://reports.example.test/reports/${id}`;
    const text = mail.text ?? '';
    assert.ok(text.includes(link), text);
    assert.match(text, /Results for 4 rows/);
    assert.match(text, /Malicious:\s+1\b/);
    assert.match(text, /Clean:\s+1\b/);
    assert.match(text, /Not found:\s+1\b/);
    assert.match(text, /Invalid:\s+1\b/);
    assert.equal(typeof mail.html, 'string');
    const html = mail.html || '';
    assert.ok(html.includes(`href="${link}"`), html);
    assert.ok(html.includes('Incident') && html.includes('&lt;phish&gt;'), 'the name is escaped in the HTML part');
    assert.match(html.replace(/<[^>]+>/g, ' '), /Malicious\s+1\b/);
    assert.equal(emailStatusOf(page.html), 'Email sent.');
  });

  test('when a report is completed at upload from the cache, then its email is still sent', async () => {
    // Arrange
    const email = uniqueEmail('cached');
    const client = await signedIn(app, email);
    const file = newFile(app.sim, { malicious: 2 });
    const warmer = await signedIn(app);
    await waitForCompletion(warmer, reportIdFrom(await warmer.upload({ hashes: file.sha1 })));

    // Act
    const id = reportIdFrom(await client.upload({ hashes: file.md5, name: 'From the cache', notify: true }));
    const atUpload = await reportStatus(client, id);
    const [mail] = await waitFor(async () => (mailsTo(app, email).length > 0 ? mailsTo(app, email) : null), 'the email', 5000);

    // Assert
    assert.equal(atUpload.status, 'completed');
    assert.ok(mail?.subject?.includes('From the cache'));
    assert.ok(mail?.text?.includes(`http://reports.example.test/reports/${id}`));
  });

  test('when the notify box is not ticked, then no email is sent', async () => {
    // Arrange
    const email = uniqueEmail('quiet');
    const client = await signedIn(app, email);
    const file = newFile(app.sim, { malicious: 1 });

    // Act
    const id = reportIdFrom(await client.upload({ hashes: file.md5, name: 'No email please' }));
    await waitForCompletion(client, id);
    await appIdle(app);
    const page = await client.get(`/reports/${id}`);

    // Assert
    assert.equal(mailsTo(app, email).length, 0);
    assert.equal(emailStatusOf(page.html), null);
  });

  test('when the SMTP server refuses the first try, then the email is retried and arrives once', async () => {
    // Arrange
    const email = uniqueEmail('retried');
    const client = await signedIn(app, email);
    const file = newFile(app.sim, { malicious: 1 });
    app.smtp!.failNext(1);

    // Act
    const id = reportIdFrom(await client.upload({ hashes: file.sha256, name: 'Retry me', notify: true }));
    await waitForCompletion(client, id);
    await waitFor(async () => mailsTo(app, email).length > 0, 'the retried email', 5000);
    await appIdle(app);
    const page = await client.get(`/reports/${id}`);

    // Assert
    assert.equal(mailsTo(app, email).length, 1);
    assert.equal(emailStatusOf(page.html), 'Email sent.');
  });
});

describe('the report-ready email when SMTP keeps failing', () => {
  const app = appSuite({ mail: true, tuning: { emailMaxAttempts: 3, emailRetryBaseMs: 50 } });

  test('when every send fails, then the report is completed and its page shows the email failure', async () => {
    // Arrange
    const email = uniqueEmail('unlucky');
    const client = await signedIn(app, email);
    const file = newFile(app.sim, { malicious: 1 });
    app.smtp!.failNext(10);

    // Act
    const id = reportIdFrom(await client.upload({ hashes: file.md5, name: 'Doomed email', notify: true }));
    const done = await waitForCompletion(client, id);
    const status = await waitFor(async () => {
      const page = await client.get(`/reports/${id}`);
      const text = emailStatusOf(page.html);
      return text?.startsWith('The email could not be sent') ? text : null;
    }, 'the email to be given up', 5000);

    // Assert
    assert.equal(done.status, 'completed');
    assert.match(status, /could not be sent after 3 attempts: The email server did not take the message \(reference [0-9a-f]{8}/);
    assert.equal(mailsTo(app, email).length, 0);
    assert.equal((await reportStatus(client, id)).status, 'completed');
  });
});

describe('no mail server configured', () => {
  const app = appSuite();

  test('when SMTP_URL is unset, then the upload form has no email checkbox', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act
    const page = await client.get('/reports/new');

    // Assert
    assert.equal(page.status, 200);
    assert.ok(!page.html.includes(NOTIFY_LABEL));
    assert.ok(!page.html.includes('name="notify"'));
  });
});

describe('an email made due by another process (the connector run from cron)', () => {
  const app = appSuite({ mail: true, tuning: { emailPollMs: 200 } });

  test('when another connection to the database marks a report\'s email due, then the app sends it without being woken', async () => {
    // Arrange: a finished report of a user, no email asked for at upload.
    const email = uniqueEmail('polled');
    const client = await signedIn(app, email);
    const response = await client.upload({ hashes: newFile(app.sim).md5, name: 'made elsewhere' });
    const id = reportIdFrom(response);
    await waitForCompletion(client, id);
    await appIdle(app);
    assert.equal(mailsTo(app, email).length, 0);

    // Act: a second connection, as the standalone connector process has, makes its email due.
    await app.db.run(`UPDATE reports SET notify_email = 1, email_status = 'pending', email_next_at = ? WHERE id = ?`, Date.now(), id);

    // Assert
    const [mail] = await waitFor(async () => (mailsTo(app, email).length > 0 ? mailsTo(app, email) : null), 'the email sender to find the due email');
    assert.match(mail?.subject ?? '', /made elsewhere/);
  });
});
