import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMailer, MailError, secretRedactor } from '../../src/mail/mailer.js';
import { capturedLogger } from '../helpers/log-capture.js';
import type { Mailer } from '../../src/mail/mailer.js';
import { reportReadyEmail } from '../../src/mail/report-ready-email.js';
import { startSmtpCapture } from '../helpers/smtp-capture.js';
import type { SmtpCapture } from '../helpers/smtp-capture.js';

const counts = { total: 12, malicious: 2, suspicious: 1, clean: 6, notSuspicious: 0, notFound: 1, invalid: 1, error: 1 };
const reportUrl = 'http://127.0.0.1:3000/reports/77';

describe('mailer over SMTP', () => {
  let smtp: SmtpCapture;
  let mailer: Mailer;
  const log = capturedLogger();

  before(async () => {
    smtp = await startSmtpCapture();
    mailer = createMailer({ smtpUrl: smtp.url, from: 'Hash Report <reports@hash-report.test>', logger: log.logger });
  });

  after(async () => {
    mailer.close();
    await smtp.close();
  });

  it('when a report-ready email is sent, then the SMTP server receives it with subject, to, text and html', async () => {
    const message = await reportReadyEmail({
      to: 'analyst@example.com',
      reportName: 'Phishing wave <b>',
      reportUrl,
      counts,
    });
    const countBefore = smtp.messages.length;
    await mailer.send(message);

    const [received] = (await smtp.waitForMessages(countBefore + 1)).slice(countBefore);
    assert.ok(received);
    assert.equal(received.subject, 'Report ready: Phishing wave <b> — 2 malicious');
    assert.equal(received.to && !Array.isArray(received.to) ? received.to.text : undefined, 'analyst@example.com');
    assert.equal(received.from?.value[0]?.address, 'reports@hash-report.test');
    assert.ok(received.text?.includes('Phishing wave <b>'));
    assert.ok(received.text?.includes(reportUrl));
    assert.match(received.text ?? '', /Malicious:\s+2\b/);
    assert.ok(typeof received.html === 'string');
    assert.ok(received.html.includes('Phishing wave &lt;b&gt;'));
    assert.ok(received.html.includes(`href="${reportUrl}"`));
  });

  it('when the SMTP server rejects the message, then send rejects with a reference, the log has the reason, and nothing is stored', async () => {
    const message = await reportReadyEmail({ to: 'analyst@example.com', reportName: 'Rejected', reportUrl, counts });
    const countBefore = smtp.messages.length;
    smtp.failNext(1);

    let reference = '';
    await assert.rejects(mailer.send(message), (err: unknown) => {
      assert.ok(err instanceof MailError);
      assert.match(err.message, /^The email server did not take the message \(reference [0-9a-f]{8}/);
      assert.doesNotMatch(err.message, /451/, 'the server text stays in the log');
      reference = err.reference;
      return true;
    });
    const logged = log.lines.find((line) => line.includes(reference)) ?? '';
    assert.match(logged, /SMTP send failed/);
    assert.match(logged, /451/);
    assert.equal(smtp.messages.length, countBefore);

    // The rejection was one-shot: the next message goes through.
    await mailer.send(message);
    await smtp.waitForMessages(countBefore + 1);
  });

  it('when no SMTP server listens, then send rejects instead of hanging', async () => {
    const closed = await startSmtpCapture();
    const url = closed.url;
    await closed.close();
    const dead = capturedLogger();
    const deadMailer = createMailer({ smtpUrl: url, from: 'reports@hash-report.test', logger: dead.logger });
    try {
      await assert.rejects(deadMailer.send({ to: 'a@example.com', subject: 's', text: 't', html: '<p>h</p>' }), MailError);
      assert.match(dead.lines.join(''), /ECONNREFUSED/);
    } finally {
      deadMailer.close();
    }
  });
});

describe('what an SMTP server echoes back', () => {
  it('when its error text holds the password plain, URL-encoded or base64 as AUTH LOGIN and AUTH PLAIN send it, then the log line has none of them', () => {
    const password = 'p@ss word/Ünï';
    const encoded = encodeURIComponent(password);
    const redact = secretRedactor(`smtp://reports:${encoded}@127.0.0.1:25`);
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    const echoes = [password, encoded, b64(password), b64(`\u0000reports\u0000${password}`), b64(`reports\u0000reports\u0000${password}`)];

    for (const echo of echoes) {
      const line = redact(`535 5.7.8 Authentication failed for AUTH PLAIN ${echo} (try again)`);
      assert.equal(line, '535 5.7.8 Authentication failed for AUTH PLAIN *** (try again)', echo);
    }
  });
});
