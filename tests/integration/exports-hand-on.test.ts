/**
 * Exports analysts hand on: the file's name and threat label in CSV, JSON and PDF, "page N of M" in
 * the PDF, a STIX 2.1 bundle of a real report valid against the official schemas, and every file of
 * the demo saying its results are simulated.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJson, waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { pdfPages } from '../helpers/pdf-text.js';
import { stixBundleValidator } from '../helpers/stix-schema.js';
import { EXPORT_COLUMNS } from '../../src/reports/files/export-row.js';

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';
const NOTICE = 'Demo mode: every VirusTotal result here is simulated by a local fake, not real threat data.';

async function download(client: HttpClient, path: string) {
  const response = await client.request(path);
  assert.equal(response.status, 200, path);
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('exports of a real report', () => {
  let client: HttpClient;
  let id: string;
  let file: ReturnType<typeof newFile>;
  // A file listed twice (its SHA-256 on line 2, its MD5 on line 6), EICAR, a domain, an IP and an invalid line.
  const app = appSuite({}, async (started) => {
    client = await signedIn(started);
    file = newFile(started.sim, { malicious: 12, meaningfulName: 'payroll_update.exe' });
    id = await uploadHashes(client, [EICAR_MD5, file.sha256, 'hxxp://tawuhoju[.]com/x', '1.1.1.1', 'not a value', file.md5], 'Hand-on');
    await waitForCompletion(client, id);
  });

  test('when the report is downloaded as CSV and JSON, then each file row carries its name and threat label', async () => {
    const json = await exportJson(client, id);
    const csv = (await download(client, `/reports/${id}/export.csv`)).bytes.toString('utf8').trimEnd().split('\r\n');

    const eicar = json.items[0];
    assert.equal(eicar?.meaningfulName, 'eicar.com-32189');
    assert.equal(eicar?.threatLabel, 'virus.eicar/test');
    assert.equal(json.items[1]?.meaningfulName, 'payroll_update.exe');
    assert.match(String(json.items[1]?.threatLabel), /^trojan\.[a-z0-9]+\/generic$/);
    assert.equal(json.items[2]?.threatLabel, null, 'a domain has none');
    const cell = (line: number, column: (typeof EXPORT_COLUMNS)[number]) => csv[line]?.split(',')[EXPORT_COLUMNS.indexOf(column)];
    assert.equal(csv[0], EXPORT_COLUMNS.join(','), 'the header comes first: no notice outside the demo');
    assert.equal(cell(1, 'meaningfulName'), '"eicar.com-32189"');
    assert.equal(cell(1, 'threatLabel'), '"virus.eicar/test"');
    assert.equal(cell(2, 'meaningfulName'), '"payroll_update.exe"');
  });

  test('when the report is downloaded as PDF, then its rows show the name and threat label and every page says "page N of M"', async () => {
    const pages = await pdfPages((await download(client, `/reports/${id}/export.pdf`)).bytes);
    const text = pages.join(' ').replace(/\s+/g, ' ');
    for (const expected of ['File name', 'Threat label', 'eicar.com-32189', 'virus.eicar/test', 'payroll_update.exe', 'Same file as an earlier line: 1 row']) {
      assert.ok(text.includes(expected), `the PDF has "${expected}"`);
    }
    for (const [i, page] of pages.entries()) assert.ok(page.includes(`page ${i + 1} of ${pages.length}`), `page ${i + 1}`);
  });

  test('when the report is downloaded as STIX 2.1, then the bundle validates against the official schemas and holds its indicators and verdicts', async () => {
    // Act
    const { response, bytes } = await download(client, `/reports/${id}/export.stix.json`);
    const bundle = JSON.parse(bytes.toString('utf8')) as { type: string; objects: Array<Record<string, unknown>> };

    // Assert
    assert.equal(response.headers.get('content-type'), 'application/stix+json;version=2.1');
    assert.match(response.headers.get('content-disposition') ?? '', /Hand-on\.stix\.json/);
    assert.match(response.headers.get('cache-control') ?? '', /no-store/);
    const result = stixBundleValidator()(bundle);
    assert.ok(result.ok, result.errors);
    const patterns = bundle.objects.filter((o) => o.type === 'indicator').map((o) => String(o.pattern));
    assert.equal(patterns.length, 4, 'EICAR, the file (once, though on two lines), the domain and the IP');
    assert.ok(patterns.some((p) => p.includes(`'${file.sha256}'`) && p.includes(`'${file.md5}'`)));
    assert.ok(patterns.includes("[domain-name:value = 'tawuhoju.com']") && patterns.includes("[ipv4-addr:value = '1.1.1.1']"));
    const analyses = bundle.objects.filter((o) => o.type === 'malware-analysis').map((o) => o.result);
    assert.deepEqual(analyses, ['malicious', 'malicious', 'suspicious', 'benign']);
    assert.ok(bundle.objects.some((o) => o.type === 'malware' && o.name === 'virus.eicar/test'));
  });

  test("when another analyst asks for the report's STIX, then it is the same 404 as for no report", async () => {
    const other = await signedIn(app);
    const response = await other.request(`/reports/${id}/export.stix.json`);
    assert.equal(response.status, 404);
  });
});

describe('exports of the demo', () => {
  const app = appSuite({ tuning: { siteNotice: NOTICE } });
  let client: HttpClient;
  let id: string;

  before(async () => {
    client = await signedIn(app);
    id = await uploadHashes(client, [EICAR_MD5, 'tawuhoju.com'], 'Demo report');
    await waitForCompletion(client, id);
  });

  test('when the demo\'s report is downloaded in every format, then each file, and its name, says the results are simulated', async () => {
    const csv = await download(client, `/reports/${id}/export.csv`);
    const json = await download(client, `/reports/${id}/export.json`);
    const pdf = await download(client, `/reports/${id}/export.pdf`);
    const stix = await download(client, `/reports/${id}/export.stix.json`);

    assert.equal(csv.bytes.toString('utf8').split('\r\n')[0], `"${NOTICE}"`);
    assert.equal((JSON.parse(json.bytes.toString('utf8')) as { notice: string }).notice, NOTICE);
    assert.ok((await pdfPages(pdf.bytes)).every((page) => page.includes(NOTICE)), 'every page of the PDF');
    const bundle = JSON.parse(stix.bytes.toString('utf8')) as { objects: Array<Record<string, unknown>> };
    assert.ok(bundle.objects.filter((o) => o.type === 'indicator').every((o) => String(o.description).startsWith(NOTICE)));
    for (const { response } of [csv, json, pdf, stix]) assert.match(response.headers.get('content-disposition') ?? '', /Demo_report-simulated\./);
  });
});
