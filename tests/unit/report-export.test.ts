import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { csvCell, streamCsv } from '../../src/reports/files/csv.js';
import { EXPORT_COLUMNS, toExportItem, type ExportItem } from '../../src/reports/files/export-row.js';
import { streamJson } from '../../src/reports/files/json.js';
import type { ReportItemRow } from '../../src/reports/report.table.js';
import type { ReportSummary } from '../../src/reports/report-summary.js';

test('when a cell starts like a spreadsheet formula, then it is prefixed with a quote so it is shown, not run', () => {
  for (const text of ['=HYPERLINK("http://evil.example")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd']) {
    assert.ok(csvCell(text).replace(/^"/, '').startsWith("'"), `${JSON.stringify(text)} -> ${csvCell(text)}`);
  }
});

test('when a cell holds commas, quotes or line breaks, then it is quoted with inner quotes doubled', () => {
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
});

test('when a cell is plain text, then it is quoted all the same; a number or an empty cell is written bare', () => {
  assert.equal(csvCell('44d88612fea8a8f36de82e1278abb02f'), '"44d88612fea8a8f36de82e1278abb02f"');
  assert.equal(csvCell(false), '"false"');
  assert.equal(csvCell(66), '66');
  assert.equal(csvCell(-37), '-37');
  assert.equal(csvCell(null), '');
});

test('when a cell holds a ";" then a formula, then it stays one quoted cell for spreadsheets that split on ";"', () => {
  assert.equal(csvCell("x;=cmd|' /C calc'!A0"), `"x;=cmd|' /C calc'!A0"`);
  assert.equal(csvCell("=cmd|' /C calc'!A0;x"), `"'=cmd|' /C calc'!A0;x"`);
});

function row(over: Partial<ReportItemRow>): ReportItemRow {
  return {
    id: 1, report_id: 'r', line: 1, input: '', hash: null, hash_type: null, status: 'found', verdict: 'not_suspicious',
    sha256: null, sha1: null, md5: null, malicious: 0, suspicious: 0, undetected: 9, harmless: 84, engines: 93, fortinet: 'clean',
    last_analysis_date: null, looked_up_at: Date.UTC(2026, 10, 21, 12), from_cache: 0, from_feed: 0, error: null, answer_id: 7, meaningful_name: null, threat_label: null,
    refresh_after: null, reputation: null, categories: null, as_owner: null, country: null, ...over,
  };
}

async function* rows(list: ReportItemRow[]): AsyncGenerator<ReportItemRow> {
  yield* list;
}

async function collect(write: (out: PassThrough) => Promise<void>): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks).toString('utf8');
}

const domain = row({ line: 2, input: 'hxxp://evil[.]com/x', hash: 'evil.com', hash_type: 'domain', verdict: 'suspicious', malicious: 6, fortinet: 'malware', reputation: -37, categories: JSON.stringify(['malicious web sites', 'Malware Sites']) });
const ip = row({ line: 3, input: '2001:db8::1', hash: '2001:db8::1', hash_type: 'ip', reputation: 134, as_owner: 'CLOUDFLARENET', country: 'AU' });

describe('toExportItem', () => {
  test('when a domain row is exported, then it carries its type, value, verdict, reputation, categories, Fortinet result and VirusTotal link', () => {
    assert.deepEqual(toExportItem(domain), {
      line: 2, input: 'hxxp://evil[.]com/x', value: 'evil.com', type: 'domain', status: 'found', verdict: 'suspicious',
      sha256: null, sha1: null, md5: null, malicious: 6, suspicious: 0, undetected: 9, harmless: 84, engines: 93, fortinet: 'malware',
      reputation: -37, categories: ['malicious web sites', 'Malware Sites'], asOwner: null, country: null, lastAnalysisDate: null,
      meaningfulName: null, threatLabel: null, lookedUpAt: '2026-11-21T12:00:00.000Z', fromCache: false, virusTotalUrl: 'https://www.virustotal.com/gui/domain/evil.com', error: null,
    });
  });

  test('when an IP or a file row is exported, then each gets its own VirusTotal page and only the facts of its kind', () => {
    const file = toExportItem(row({ input: 'ABC', hash: 'abc', hash_type: 'md5', verdict: 'malicious', sha256: 'f'.repeat(64), fortinet: 'EICAR_TEST_FILE' }));
    const address = toExportItem(ip);
    assert.equal(address.virusTotalUrl, 'https://www.virustotal.com/gui/ip-address/2001:db8::1');
    assert.deepEqual([address.type, address.asOwner, address.country, address.reputation, address.categories], ['ip', 'CLOUDFLARENET', 'AU', 134, null]);
    assert.equal(file.virusTotalUrl, `https://www.virustotal.com/gui/file/${'f'.repeat(64)}`);
    assert.equal(toExportItem(row({ hash: 'abc', hash_type: 'md5', status: 'not_found' })).virusTotalUrl, null, 'a file VirusTotal does not know has no page');
    assert.equal(toExportItem(row({ hash_type: 'domain', hash: 'x.example', categories: 'not json' })).categories, null);
  });

  test('when a file row is exported, then its name on VirusTotal and its threat label travel with it', () => {
    const file = toExportItem(row({ hash: 'abc', hash_type: 'md5', verdict: 'malicious', meaningful_name: 'invoice.exe', threat_label: 'trojan.emotet/generic' }));
    assert.equal(file.meaningfulName, 'invoice.exe');
    assert.equal(file.threatLabel, 'trojan.emotet/generic');
    assert.ok(EXPORT_COLUMNS.includes('meaningfulName') && EXPORT_COLUMNS.includes('threatLabel'), 'the CSV has a column for each');
  });
});

describe('streamCsv and streamJson', () => {
  test('when domains and IPs are exported as CSV, then the header names the new columns and categories share one cell joined by "; "', async () => {
    // Act
    const csv = await collect((out) => streamCsv(out, rows([domain, ip])));

    // Assert
    const [header, first, second] = csv.trimEnd().split('\r\n');
    assert.equal(header, EXPORT_COLUMNS.join(','));
    assert.match(header ?? '', /^line,input,value,type,status,verdict,.*,reputation,categories,asOwner,country,.*,virusTotalUrl,error$/);
    const cells = first?.split(',') ?? [];
    assert.equal(cells[EXPORT_COLUMNS.indexOf('categories')], '"malicious web sites; Malware Sites"');
    assert.equal(cells[EXPORT_COLUMNS.indexOf('verdict')], '"suspicious"');
    assert.equal(cells[EXPORT_COLUMNS.indexOf('reputation')], '-37', 'a number is data, not a formula');
    assert.equal(second?.split(',')[EXPORT_COLUMNS.indexOf('asOwner')], '"CLOUDFLARENET"');
    assert.equal(second?.split(',')[EXPORT_COLUMNS.indexOf('verdict')], '"not_suspicious"');
  });

  test('when a category starts like a formula, then the joined cell is neutralised', () => {
    assert.equal(csvCell(['=cmd()', 'news']), `"'=cmd(); news"`);
  });

  test('when domains are exported as JSON, then categories stay an array', async () => {
    const summary = { id: 'r', name: 'n', status: 'completed', createdAt: new Date(0), completedAt: null, counts: {}, progress: 1, email: null } as unknown as ReportSummary;
    const json = JSON.parse(await collect((out) => streamJson(out, summary, rows([domain, ip])))) as { items: ExportItem[] };
    assert.deepEqual(json.items.map((i) => [i.type, i.categories, i.verdict]), [['domain', ['malicious web sites', 'Malware Sites'], 'suspicious'], ['ip', null, 'not_suspicious']]);
  });
});
