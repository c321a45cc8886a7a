/**
 * A mixed list (hashes, domains, IPs, defanged URLs) looked up against the fake VirusTotal, which
 * serves the real domain and IP answers in tests/fixtures/virustotal, and the report as the analyst
 * sees it: the report page, each row's page, the exports, the search and the copied list of values.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJson, waitForCompletion } from '../helpers/test-app.js';
import { tableRows, textOf, engineRows, shownLines, itemLinks } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { signedIn, uploadHashes } from '../helpers/factories.js';
import { EXPORT_COLUMNS } from '../../src/reports/files/export-row.js';
import { parseCsv } from '../helpers/bad-input.js';

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';
const GOOGLE_CATEGORIES = ['search engines and portals', 'search engines', 'searchengines', 'mobile communications', 'Search Engines/Portals'];

const LINES = [
  EICAR_MD5, //                          1: a file
  'hxxp://tawuhoju[.]com/invoice.zip', // 2: a defanged URL of the malicious domain
  'google.com', //                       3: a domain with a good reputation
  '1.1.1[.]1', //                        4: a defanged IP, 4 engines say malicious but reputation 134
  '142.251.220.110', //                  5: an IP with reputation 0 and no detection
  'never-heard-of-this-one.com', //      6: a domain the fake answers 404 for
  'not a value at all', //               7: invalid
];

describe('a list of hashes, domains and IP addresses', () => {
  let client: HttpClient;
  let id: string;
  const app = appSuite();
  before(async () => {
    client = await signedIn(app);
    id = await uploadHashes(client, LINES, 'Mixed indicators');
    await waitForCompletion(client, id);
  });

  test('when the report completes, then its JSON export carries each row\'s type, value, verdict and the domain and IP facts', async () => {
    // Act
    const json = await exportJson(client, id);

    // Assert
    const pick = (line: number) => {
      const item = json.items.find((i) => i.line === line);
      assert.ok(item, `line ${line} is exported`);
      const { value, type, status, verdict, malicious, engines, fortinet, reputation, categories, asOwner, country, lastAnalysisDate, virusTotalUrl } = item;
      return { value, type, status, verdict, malicious, engines, fortinet, reputation, categories, asOwner, country, lastAnalysisDate, virusTotalUrl };
    };
    assert.equal(json.counts['notSuspicious'], 3);
    assert.equal(json.counts['suspicious'], 1);
    assert.deepEqual(pick(2), {
      value: 'tawuhoju.com', type: 'domain', status: 'found', verdict: 'suspicious', malicious: 6, engines: 93, fortinet: 'malware',
      reputation: -37, categories: ['malicious web sites', 'Malware Sites', 'mobile communications', 'Malicious'], asOwner: null, country: null,
      lastAnalysisDate: null, virusTotalUrl: 'https://www.virustotal.com/gui/domain/tawuhoju.com',
    });
    assert.deepEqual(pick(3), {
      value: 'google.com', type: 'domain', status: 'found', verdict: 'not_suspicious', malicious: 1, engines: 94, fortinet: 'clean',
      reputation: 448, categories: GOOGLE_CATEGORIES, asOwner: null, country: null,
      lastAnalysisDate: null, virusTotalUrl: 'https://www.virustotal.com/gui/domain/google.com',
    });
    assert.deepEqual(pick(4), {
      value: '1.1.1.1', type: 'ip', status: 'found', verdict: 'not_suspicious', malicious: 4, engines: 94, fortinet: 'clean',
      reputation: 134, categories: null, asOwner: 'CLOUDFLARENET', country: null,
      lastAnalysisDate: null, virusTotalUrl: 'https://www.virustotal.com/gui/ip-address/1.1.1.1',
    });
    assert.deepEqual(pick(5), {
      value: '142.251.220.110', type: 'ip', status: 'found', verdict: 'not_suspicious', malicious: 0, engines: 93, fortinet: 'clean',
      reputation: 0, categories: null, asOwner: 'GOOGLE', country: 'US',
      lastAnalysisDate: null, virusTotalUrl: 'https://www.virustotal.com/gui/ip-address/142.251.220.110',
    });
    assert.deepEqual([pick(6).type, pick(6).status, pick(6).verdict], ['domain', 'not_found', 'not_found']);
    assert.deepEqual([pick(1).type, pick(1).verdict, pick(1).categories], ['md5', 'malicious', null]);
    assert.deepEqual([pick(7).type, pick(7).verdict, pick(7).virusTotalUrl], [null, 'invalid', null]);
  });

  test('when the report page is shown, then domain and IP rows show reputation, detections, Fortinet\'s result, categories or AS owner and country, and a VirusTotal link', async () => {
    // Act
    const page = await client.get(`/reports/${id}`);

    // Assert
    const rows = tableRows(page.html);
    assert.equal(rows.length, 7);
    assert.match(textOf(rows[1]!), /^2 hxxp:\/\/tawuhoju\[\.\]com\/invoice\.zip looked up as tawuhoju\.com Domain suspicious 6 \/ 93 malware -37 Categories malicious web sites, Malware Sites, mobile communications, Malicious /);
    assert.match(textOf(rows[2]!), new RegExp(`^3 google\\.com Domain not suspicious 1 / 94 clean 448 Categories ${GOOGLE_CATEGORIES.join(', ').replace(/\//g, '\\/')} `));
    assert.match(textOf(rows[3]!), /^4 1\.1\.1\[\.\]1 looked up as 1\.1\.1\.1 IP address not suspicious 4 \/ 94 clean 134 AS owner CLOUDFLARENET Country — /);
    assert.match(textOf(rows[4]!), /^5 142\.251\.220\.110 IP address not suspicious 0 \/ 93 clean 0 AS owner GOOGLE Country US /);
    assert.ok(rows[1]!.includes('href="https://www.virustotal.com/gui/domain/tawuhoju.com"'));
    assert.ok(rows[3]!.includes('href="https://www.virustotal.com/gui/ip-address/1.1.1.1"'));
    assert.ok(rows[0]!.includes('href="https://www.virustotal.com/gui/file/275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"'));
    assert.match(page.html, /<li class="bar bar-not_suspicious">[\s\S]*?<span class="bar-label">Not suspicious<\/span>[\s\S]*?value="3"/);
  });

  test('when a domain\'s row page is opened, then every engine and the domain\'s facts from the real answer are shown, with no word of hashes or files', async () => {
    // Arrange
    const link = (await itemLinks(client, id)).get('hxxp://tawuhoju[.]com/invoice.zip');
    assert.ok(link, 'the row links to its page');

    // Act
    const page = await client.get(link);

    // Assert
    assert.equal(page.status, 200);
    const engines = engineRows(page.html);
    assert.equal(engines.length, 92, 'every engine of the real answer');
    assert.deepEqual(engines.slice(0, 6).map((e) => e.category), Array(6).fill('malicious'), 'the detections first');
    assert.match(page.html, /<tr class="c-malicious">\s*<td>Fortinet<\/td>[\s\S]*?malware/);
    assert.ok(!/<th scope="col">(<a [^>]*>)?(Updated|Version)/.test(page.html), 'no empty version and update columns');
    const text = textOf(page.html);
    for (const fact of ['Written as hxxp://tawuhoju[.]com/invoice.zip', 'Reputation -37', 'Registrar CommuniGal Communication Ltd.', 'Malware Sites (Webroot)', 'Cisco Umbrella #506,742', 'Created 2016-12-29', 'Community votes 2 malicious, 0 harmless', 'Last DNS records', 'ns-28.awsdns-03.com']) {
      assert.ok(text.includes(fact), `the page shows "${fact}"`);
    }
    assert.ok(page.html.includes('href="https://www.virustotal.com/gui/domain/tawuhoju.com"'));
    // The product's own name, "Hash Report", ends every title.
    const title = (/<title>([^<]*)<\/title>/.exec(page.html)?.[1] ?? '').replace(/ · Hash Report$/, '');
    const heading = textOf(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(page.html)?.[1] ?? '');
    assert.match(title, /^Domain tawuhoju\.com/);
    assert.equal(heading, 'Domain tawuhoju.com');
    assert.doesNotMatch(`${title} ${heading} ${[...page.html.matchAll(/<(?:h2|dt)>([^<]*)/g)].map((m) => m[1]).join(' ')}`, /hash|file|SHA|MD5/i);
  });

  test('when an IP\'s row page is opened, then every engine and its AS owner, ASN, country, continent, network and registry are shown', async () => {
    // Arrange
    const links = await itemLinks(client, id);

    // Act
    const google = await client.get(links.get('142.251.220.110')!);
    const cloudflare = await client.get(links.get('1.1.1[.]1')!);

    // Assert
    assert.equal(engineRows(google.html).length, 93);
    const text = textOf(google.html);
    for (const fact of ['AS owner GOOGLE', 'ASN AS15169', 'Country US', 'Continent NA', 'Network 142.250.0.0/15', 'Regional internet registry ARIN', 'Fortinet clean']) {
      assert.ok(text.includes(fact), `the page shows "${fact}"`);
    }
    const other = textOf(cloudflare.html);
    assert.ok(other.includes('AS owner CLOUDFLARENET') && other.includes('Network 1.1.1.0/24'));
    assert.ok(!/<dt>(Country|Continent)<\/dt>/.test(cloudflare.html), 'facts the answer lacks are left out');
    assert.equal(engineRows(cloudflare.html).filter((e) => e.category === 'malicious').length, 4);
  });

  test('when the CSV is downloaded, then it carries each row\'s type, value and verdict, with categories in one cell', async () => {
    // Act
    const csv = await (await client.request(`/reports/${id}/export.csv`)).text();

    // Assert
    const [header, ...lines] = csv.trimEnd().split('\r\n');
    assert.equal(header, EXPORT_COLUMNS.join(','));
    // Text cells are quoted (a spreadsheet splitting on ";" keeps "a; b" whole): read them as a spreadsheet would.
    const rows = parseCsv(`${lines.join('\r\n')}\r\n`);
    const cell = (line: number, column: (typeof EXPORT_COLUMNS)[number]) => rows[line - 1]?.[EXPORT_COLUMNS.indexOf(column)];
    assert.ok(lines[2]?.includes(`"${GOOGLE_CATEGORIES.join('; ')}"`), 'the categories cell is quoted');
    assert.deepEqual(LINES.map((_, i) => [cell(i + 1, 'type'), cell(i + 1, 'verdict')]), [
      ['md5', 'malicious'], ['domain', 'suspicious'], ['domain', 'not_suspicious'], ['ip', 'not_suspicious'], ['ip', 'not_suspicious'], ['domain', 'not_found'], ['', 'invalid'],
    ]);
    assert.equal(cell(3, 'categories'), GOOGLE_CATEGORIES.join('; '));
    assert.equal(cell(2, 'value'), 'tawuhoju.com');
    assert.equal(cell(2, 'reputation'), '-37', 'a negative reputation stays a number a spreadsheet can sort');
    assert.equal(cell(5, 'asOwner'), 'GOOGLE');
  });

  test('when the report is searched by the start of a value or of what was written, then domain and IP rows are found', async () => {
    // Act
    const byValue = await client.get(`/reports/${id}?q=tawuhoju.c`);
    const asWritten = await client.get(`/reports/${id}?q=${encodeURIComponent('hxxp://tawu')}`);
    const byIp = await client.get(`/reports/${id}?q=1.1.1.1`);
    const byNothing = await client.get(`/reports/${id}?q=awuhoju`);

    // Assert
    assert.deepEqual(shownLines(byValue.html), [2]);
    assert.deepEqual(shownLines(asWritten.html), [2]);
    assert.deepEqual(shownLines(byIp.html), [4]);
    assert.deepEqual(shownLines(byNothing.html), [], 'a prefix, not a substring');
    assert.match(byValue.html, /domain or IP address \(as looked up or as written in the list\)/);
  });

  test('when the domains and IPs are copied, then the list is each domain and IP row\'s value once, and the file hashes stay in their own lists', async () => {
    // Act
    const values = await (await client.request(`/reports/${id}/hashes.txt?kind=value`)).text();
    const suspicious = await (await client.request(`/reports/${id}/hashes.txt?kind=value&verdict=suspicious`)).text();
    const sha256 = await (await client.request(`/reports/${id}/hashes.txt?kind=sha256`)).text();
    const page = await client.get(`/reports/${id}`);

    // Assert
    assert.equal(values, 'tawuhoju.com\ngoogle.com\n1.1.1.1\n142.251.220.110\nnever-heard-of-this-one.com\n');
    assert.equal(suspicious, 'tawuhoju.com\n');
    assert.equal(sha256, '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f\n');
    assert.match(page.html, /<option value="value"[^>]*>Domains and IPs<\/option>/);
  });

  test('when the report list is shown, then the not-suspicious rows are counted in their own column', async () => {
    // Act
    const list = await client.get('/reports');

    // Assert
    assert.match(list.html, /<th scope="col">Not suspicious<\/th>/);
    const row = [...list.html.matchAll(/<tr>[\s\S]*?<\/tr>/g)].map((m) => textOf(m[0])).find((t) => t.startsWith('Mixed indicators'));
    assert.match(row ?? '', /completed 100% 100% 7 1 1 0 3 1 1 0$/, 'rows, malicious, suspicious, clean, not suspicious, not found, invalid, error');
  });
});
