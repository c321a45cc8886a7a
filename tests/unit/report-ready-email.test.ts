import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reportReadyEmail } from '../../src/mail/report-ready-email.js';

const counts = { total: 42, malicious: 7, suspicious: 3, clean: 25, notSuspicious: 0, notFound: 4, invalid: 2, error: 1 };
const reportUrl = 'https://hash-report.example/reports/1234';

describe('reportReadyEmail', () => {
  it('when a report is rendered, then the subject names the report and the malicious count', async () => {
    const mail = await reportReadyEmail({ to: 'analyst@example.com', reportName: 'Q3 incident', reportUrl, counts });
    assert.equal(mail.to, 'analyst@example.com');
    assert.equal(mail.subject, 'Report ready: Q3 incident — 7 malicious');
  });

  it('when a report is rendered, then the text part has the name, every count and the absolute link', async () => {
    const { text } = await reportReadyEmail({ to: 'analyst@example.com', reportName: 'Q3 incident', reportUrl, counts });
    assert.match(text, /Q3 incident/);
    assert.match(text, /Results for 42 rows/);
    assert.match(text, /Malicious:\s+7\b/);
    assert.match(text, /Suspicious:\s+3\b/);
    assert.match(text, /Clean:\s+25\b/);
    assert.match(text, /Not found:\s+4\b/);
    assert.match(text, /Invalid:\s+2\b/);
    assert.match(text, /Errors:\s+1\b/);
    assert.ok(text.includes(reportUrl), 'text contains the absolute report URL');
    assert.doesNotMatch(text, /<[a-z]/i, 'text part contains no HTML tags');
  });

  it('when a report is rendered, then the html part has the name, every count and the absolute link', async () => {
    const { html } = await reportReadyEmail({ to: 'analyst@example.com', reportName: 'Q3 incident', reportUrl, counts });
    assert.match(html, /Q3 incident/);
    assert.match(html, /42 rows checked/);
    for (const [label, value] of [
      ['Malicious', 7],
      ['Suspicious', 3],
      ['Clean', 25],
      ['Not found', 4],
      ['Invalid', 2],
      ['Errors', 1],
    ] as const) {
      assert.match(html, new RegExp(`>${label}</td><td[^>]*>${value}</td>`), `${label} = ${value}`);
    }
    assert.ok(html.includes(`href="${reportUrl}"`), 'html links to the absolute report URL');
  });

  it('when a report has not-suspicious domains or IPs, then both parts count them', async () => {
    const { text, html } = await reportReadyEmail({ to: 'analyst@example.com', reportName: 'Mixed list', reportUrl, counts: { ...counts, notSuspicious: 5 } });
    assert.match(text, /Not suspicious:\s+5\b/);
    assert.match(html, />Not suspicious<\/td><td[^>]*>5<\/td>/);
  });

  it('when a report has no not-suspicious row, then neither part mentions the verdict', async () => {
    const { text, html } = await reportReadyEmail({ to: 'analyst@example.com', reportName: 'Hashes only', reportUrl, counts });
    assert.doesNotMatch(text, /Not suspicious/);
    assert.doesNotMatch(html, /Not suspicious/);
  });

  it('when the report name contains <script>, then the html part escapes it and the text part keeps it literal', async () => {
    const reportName = '<script>alert("x")</script> & co';
    const mail = await reportReadyEmail({ to: 'analyst@example.com', reportName, reportUrl, counts });
    assert.ok(!mail.html.includes('<script>'), 'no raw <script> in html');
    assert.ok(mail.html.includes('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co'));
    assert.ok(mail.text.includes(reportName), 'plain text is not HTML-escaped');
  });

  it('when the report URL has a query string, then the html attribute is escaped and the text keeps it as-is', async () => {
    const url = 'https://hash-report.example/reports/1234?tab=malicious&sort=desc';
    const mail = await reportReadyEmail({ to: 'analyst@example.com', reportName: 'r', reportUrl: url, counts });
    assert.ok(mail.html.includes('href="https://hash-report.example/reports/1234?tab=malicious&amp;sort=desc"'));
    assert.ok(mail.text.includes(url));
  });

  it('when the report URL is relative or not http(s), then rendering rejects', async () => {
    for (const bad of ['/reports/1234', 'javascript:alert(1)']) {
      await assert.rejects(
        reportReadyEmail({ to: 'analyst@example.com', reportName: 'r', reportUrl: bad, counts }),
        TypeError,
        bad,
      );
    }
  });

  it('when the report name contains a line break, then the subject stays on one line', async () => {
    const mail = await reportReadyEmail({ to: 'analyst@example.com', reportName: 'a\r\nBcc: x@y', reportUrl, counts });
    assert.doesNotMatch(mail.subject, /[\r\n]/);
  });
});
