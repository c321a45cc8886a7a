import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recipient } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import { reportEmail } from '../helpers/report-email.js';
import { signedIn } from '../helpers/factories.js';
import { pdfPages } from '../helpers/pdf-text.js';

/** 2,097 bytes, shown as "2 KB": a report of two files fits, one of twelve does not. */
const LIMIT_MB = '0.002';
const FAKE_PDF = Buffer.from('%PDF-1.4\n% not a real report, a stand-in for the PDF renderer\n%%EOF\n');
const APP_URL = 'http://reports.example.test';

describe('report files attached to the completion email', () => {
  let pdfFails = false;
  const pdfCalls: string[] = [];

  const app = appSuite({
    mail: true,
    env: { MAIL_ATTACHMENT_MAX_MB: LIMIT_MB },
    tuning: {
      // The shape reports/files/pdf-export.ts renderReportPdf has.
      renderPdf: async (_db, reportId) => {
        pdfCalls.push(reportId);
        if (pdfFails) throw new Error('the PDF renderer broke');
        return FAKE_PDF;
      },
    },
  });

  test('when the user chose CSV, then the email carries the report\'s CSV export byte for byte, under the download\'s file name', async () => {
    // Arrange / Act
    const { id, mail, client } = await reportEmail(app, 'csv', 2, 'Phishing wave 7');
    const download = await client.request(`/reports/${id}/export.csv`);
    const exported = Buffer.from(await download.arrayBuffer());

    // Assert
    assert.equal(download.status, 200);
    assert.equal(mail.attachments.length, 1);
    const [file] = mail.attachments;
    assert.ok(file);
    assert.equal(file.filename, 'Phishing_wave_7.csv');
    assert.equal(/filename="?([^";]+)/.exec(download.headers.get('content-disposition') ?? '')?.[1], file.filename, 'the name the download gets');
    assert.equal(file.contentType, 'text/csv');
    assert.equal(file.contentDisposition, 'attachment');
    assert.ok(file.content.equals(exported), 'the attachment is the export');
    assert.match(file.content.toString('utf8'), /^line,input,value,type,status,verdict,/);
    assert.equal(file.content.toString('utf8').trimEnd().split('\r\n').length, 3, 'a header and two rows');
    assert.match(mail.text ?? '', /The report is attached as a CSV file\./);
    assert.match(mail.html || '', /The report is attached as a CSV file\./);
  });

  test('when the CSV is over MAIL_ATTACHMENT_MAX_MB, then nothing is attached and the email says it is too large, with the link', async () => {
    // Arrange / Act
    const { id, mail } = await reportEmail(app, 'csv', 12, 'Big list');

    // Assert
    const link = `${APP_URL}/reports/${id}`;
    assert.equal(mail.attachments.length, 0);
    assert.ok(
      (mail.text ?? '').includes(`The CSV file is too large to attach (over 2 KB). Download it from the report page:\n${link}\n`),
      mail.text,
    );
    const html = (mail.html || '').replace(/\s+/g, ' ');
    assert.ok(html.includes(`The CSV file is too large to attach (over 2 KB). <a href="${link}" style="color:#1d4ed8;">Download it from the report page</a>.`), html);
    assert.doesNotMatch(mail.text ?? '', /is attached/);
  });

  test('when the user chose no file, then the email has no attachment and says nothing about one', async () => {
    // Arrange / Act
    const { mail } = await reportEmail(app, 'none', 1, 'Link only');

    // Assert
    assert.equal(mail.attachments.length, 0);
    assert.doesNotMatch(mail.text ?? '', /attach/i);
    assert.doesNotMatch(mail.html || '', /attach/i);
  });

  test('when a PDF renderer is plugged in, then Settings offers PDF and the email carries what it made', async () => {
    // Arrange
    const page = await (await signedIn(app)).get('/settings');

    // Act
    const { id, mail } = await reportEmail(app, 'pdf', 1, 'As PDF');

    // Assert
    assert.match(page.html, /<input type="radio" name="attachment" value="pdf"\s*>/);
    assert.ok(pdfCalls.includes(id), 'the renderer was asked for this report');
    assert.equal(mail.attachments.length, 1);
    const [file] = mail.attachments;
    assert.equal(file?.filename, 'As_PDF.pdf');
    assert.equal(file?.contentType, 'application/pdf');
    assert.ok(file?.content.equals(FAKE_PDF));
    assert.match(mail.text ?? '', /The report is attached as a PDF file\./);
  });

  test('when the PDF renderer fails, then the email still goes out, without a file, pointing to the report page', async () => {
    // Arrange
    pdfFails = true;

    // Act
    const { id, mail } = await reportEmail(app, 'pdf', 1, 'Broken PDF').finally(() => {
      pdfFails = false;
    });

    // Assert
    assert.equal(mail.attachments.length, 0);
    assert.ok((mail.text ?? '').includes(`The PDF file could not be attached. Download it from the report page:\n${APP_URL}/reports/${id}\n`), mail.text);
  });
});

describe('the real PDF attached to the completion email', () => {
  const app = appSuite({ mail: true });

  test('when the user chose PDF, then the email carries the report as a PDF a reader can open, with its name, owner and rows', async () => {
    // Act
    const { mail } = await reportEmail(app, 'pdf', 2, 'Quarterly sweep');

    // Assert
    assert.equal(mail.attachments.length, 1);
    const [file] = mail.attachments;
    assert.equal(file?.filename, 'Quarterly_sweep.pdf');
    assert.equal(file?.contentType, 'application/pdf');
    const [first = ''] = await pdfPages(file!.content);
    assert.ok(first.includes('Quarterly sweep'), first.slice(0, 300));
    assert.ok(first.includes(`Owner: ${recipient(mail)}`));
    assert.match(first, /Malicious\s+2/);
  });
});
