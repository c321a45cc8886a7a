import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { pdfPages } from '../helpers/pdf-text.js';
import { writeReportPdf, type PdfHeader } from '../../src/reports/files/pdf.js';
import type { ReportItemRow } from '../../src/reports/report.table.js';
import type { ReportSummary } from '../../src/reports/report-summary.js';

function row(line: number, over: Partial<ReportItemRow> = {}): ReportItemRow {
  return {
    id: line, report_id: 'r', line, input: `${'f'.repeat(56)}${String(line).padStart(8, '0')}`, hash: null, hash_type: 'sha256', status: 'found', verdict: 'malicious',
    sha256: null, sha1: null, md5: null, malicious: 7, suspicious: 0, undetected: 60, harmless: 0, engines: 67, fortinet: 'W32/Agent.X!tr',
    last_analysis_date: '2024-07-17T21:12:40.000Z', looked_up_at: 0, from_cache: 0, error: null, answer_id: null, ...over,
  } as ReportItemRow;
}

async function* rows(list: ReportItemRow[]): AsyncGenerator<ReportItemRow> {
  yield* list;
}

async function render(header: Omit<PdfHeader, 'rowCount'>, list: ReportItemRow[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeReportPdf(out, { ...header, rowCount: list.length }, rows(list));
  return Buffer.concat(chunks);
}

const summary = (total: number): ReportSummary => ({
  id: 'r', name: 'Incident 4471 — triage', status: 'completed', createdAt: new Date('2026-11-20T08:00:00Z'), completedAt: new Date('2026-11-20T09:30:00Z'),
  counts: { total, malicious: total - 2, suspicious: 0, clean: 1, notSuspicious: 0, notFound: 0, invalid: 1, error: 0, pending: 0 }, progress: 1, sameFile: 0, email: null,
});

describe('writeReportPdf', () => {
  test('when a report is printed, then a reader finds its title, owner, dates, counts and each row with verdict, detections, Fortinet and date', async () => {
    // Arrange
    const list = [row(1), row(2, { verdict: 'clean', malicious: 0, fortinet: null }), row(3, { status: 'invalid', verdict: 'invalid', input: 'not a hash', engines: null, fortinet: null, last_analysis_date: null })];

    // Act
    const pdf = await render({ report: summary(3), ownerEmail: 'ana@example.com', filter: null, generatedAt: new Date('2026-11-21T10:00:00Z') }, list);
    const [first = ''] = await pdfPages(pdf);

    // Assert
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    for (const text of ['Incident 4471', 'Owner: ana@example.com', '2026-11-20 08:00 UTC', '2026-11-20 09:30 UTC', 'Malicious', 'Clean', 'Invalid', 'W32/Agent.X!tr', '7 / 67', '0 / 67', 'not a hash', '2024-07-17 21:12 UTC', 'page 1']) {
      assert.ok(first.includes(text), `page 1 has "${text}": ${first.slice(0, 400)}`);
    }
  });

  test('when a report has many rows, then it runs to several pages, each with the table header and its page number, and every row is printed once', async () => {
    // Arrange
    const list = Array.from({ length: 200 }, (_, i) => row(i + 1));

    // Act
    const pages = await pdfPages(await render({ report: summary(200), ownerEmail: 'ana@example.com', filter: 'verdict malicious', generatedAt: new Date() }, list));

    // Assert
    assert.ok(pages.length >= 5, `${pages.length} pages`);
    pages.forEach((text, i) => {
      assert.ok(text.includes('Detections') && text.includes('Fortinet'), `page ${i + 1} repeats the table header`);
      assert.ok(text.includes(`page ${i + 1} of ${pages.length}`), `page ${i + 1} is numbered "page N of M"`);
    });
    assert.ok(pages[0]!.includes('those matching verdict malicious'));
    const inputs = pages.join(' ').match(/f{56}\d{8}/g) ?? [];
    assert.equal(new Set(inputs).size, 200, 'every row once');
  });

  test('when a report has thousands of rows, then its pages, numbered as they are sent, all give the right total, and every row is printed once', async () => {
    // Arrange: pages now go out as they are drawn, so "of M" comes from the row count given beforehand
    const list = Array.from({ length: 3000 }, (_, i) => row(i + 1, i % 3 === 0 ? { verdict: 'clean', malicious: 0, fortinet: null } : {}));

    // Act
    const pages = await pdfPages(await render({ report: summary(3000), ownerEmail: 'ana@example.com', filter: null, generatedAt: new Date() }, list));

    // Assert
    assert.ok(pages.length > 50, `${pages.length} pages`);
    for (const [i, text] of pages.entries()) assert.ok(text.includes(`page ${i + 1} of ${pages.length}`), `page ${i + 1} is numbered "page ${i + 1} of ${pages.length}"`);
    assert.ok(pages[0]!.includes('all 3000'));
    const inputs = pages.join(' ').match(/f{56}\d{8}/g) ?? [];
    assert.equal(inputs.length, 3000, 'every row printed');
    assert.equal(new Set(inputs).size, 3000, 'every row once');
    assert.ok(pages.at(-1)!.includes(`${'f'.repeat(56)}00003000`), 'the last row on the last page');
  });

  test('when a report holds domains and IPs, then each row prints its type, the value looked up and its verdict, and the summary counts "Not suspicious"', async () => {
    // Arrange
    const list = [
      row(1, { input: 'hxxp://tawuhoju[.]com/x', hash: 'tawuhoju.com', hash_type: 'domain', verdict: 'suspicious', malicious: 6, engines: 82, fortinet: 'malware', last_analysis_date: null }),
      row(2, { input: '142.251.220[.]110', hash: '142.251.220.110', hash_type: 'ip', verdict: 'not_suspicious', malicious: 0, engines: 93, fortinet: 'clean' }),
      row(3, { hash_type: 'md5', input: '44d88612fea8a8f36de82e1278abb02f' }),
    ];
    const counts = { ...summary(3).counts, malicious: 1, suspicious: 1, clean: 0, notSuspicious: 1, invalid: 0 };

    // Act
    const [text = ''] = await pdfPages(await render({ report: { ...summary(3), counts }, ownerEmail: 'ana@example.com', filter: null, generatedAt: new Date() }, list));

    // Assert
    const words = text.replace(/\s+/g, ' ');
    for (const expected of ['Type', 'Domain', 'IP address', 'MD5', 'tawuhoju.com (hxxp://tawuhoju[.]com/x)', '142.251.220.110 (142.251.220[.]110)', 'Suspicious', 'malware', '6 / 82', 'clean']) {
      assert.ok(words.includes(expected), `the page has "${expected}": ${words.slice(0, 600)}`);
    }
    // File name, threat label and analysis date are dashes: a domain has none of the first two, and this one no date.
    assert.match(words, /tawuhoju\.com \(hxxp:\/\/tawuhoju\[\.\]com\/x\) Domain Suspicious 6 \/ 82 malware — — — 2 /, 'a domain\'s row, its missing analysis date as a dash');
    assert.equal(text.split('Not suspicious').length - 1, 2, 'once in the summary, once on its row');
  });

  test('when a file has a name and a threat label, rows repeat a file and the app runs as the demo, then the PDF says all three', async () => {
    // Arrange
    const list = [row(1, { meaningful_name: 'invoice.exe', threat_label: 'trojan.emotet/generic' })];
    const notice = 'Demo mode: every VirusTotal result here is simulated.';

    // Act
    const [text = ''] = await pdfPages(await render({ report: { ...summary(1), sameFile: 2 }, ownerEmail: 'ana@example.com', filter: null, generatedAt: new Date(), notice }, list));

    // Assert
    const words = text.replace(/\s+/g, ' ');
    for (const expected of ['File name', 'Threat label', 'invoice.exe', 'trojan.emotet/generic', 'Same file as an earlier line: 2 rows', 'page 1 of 1']) {
      assert.ok(words.includes(expected), `the page has "${expected}": ${words.slice(0, 600)}`);
    }
    assert.equal(words.split(notice).length - 1, 2, 'under the title and in the footer');
  });

  test('when a report has no domain or IP, then the summary does not list "Not suspicious"', async () => {
    const [text = ''] = await pdfPages(await render({ report: summary(1), ownerEmail: 'ana@example.com', filter: null, generatedAt: new Date() }, [row(1)]));
    assert.ok(text.includes('Clean'));
    assert.ok(!text.includes('Not suspicious'));
  });

  test('when names and lines hold characters the PDF fonts lack, then they print as ? rather than garbage', async () => {
    const pdf = await render({ report: { ...summary(1), name: 'Отчёт 報告 ok' }, ownerEmail: 'ana@example.com', filter: null, generatedAt: new Date() }, [row(1, { input: 'línea ✓' })]);
    const [text = ''] = await pdfPages(pdf);
    assert.ok(text.includes('????? ?? ok'), text.slice(0, 200));
    assert.ok(text.includes('línea ?'));
  });
});
