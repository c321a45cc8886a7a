/**
 * Working inside a report: the verdict, search and sort filters of the report page, the downloads
 * and the hash list that follow them, and the report list's own search and status filter.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { reportStatus, waitFor, waitForCompletion } from '../helpers/test-app.js';
import { textOf, shownLines } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { EXPORT_COLUMNS } from '../../src/reports/files/export-row.js';

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** The line numbers of a CSV export's rows. */
const csvLines = (csv: string) => csv.trimEnd().split('\r\n').slice(1).map((l) => Number(l.split(',')[0]));

/** The href of the pager's "Next" link, entities decoded as the browser would. */
const nextHref = (html: string) => /<a href="([^"]*)" rel="next">/.exec(html)?.[1]?.replace(/&amp;/g, '&');

async function exportJson(client: HttpClient, path: string) {
  const response = await client.request(path);
  assert.equal(response.status, 200, path);
  return (await response.json()) as { filter: { verdict: string[]; q: string } | null; counts: Record<string, number>; items: Array<{ line: number; verdict: string }> };
}

describe('filters inside a report with every answered verdict', () => {
  let client: HttpClient;
  let id: string;
  let firstLook: string;
  let files: Record<'m1' | 'm2' | 's1' | 'c1' | 'e1', ReturnType<typeof newFile>>;
  const unknown = hex(32);
  const FORMULA = '=SUM(1+1)';

  const app = appSuite();
  before(async () => {
    client = await signedIn(app);
    files = {
      m2: newFile(app.sim, { malicious: 2, meaningfulName: 'dropper.dll', lastAnalysisDate: seconds('2024-03-01T00:00:00Z') }),
      c1: newFile(app.sim, { malicious: 0, meaningfulName: 'calc.exe', lastAnalysisDate: seconds('2025-01-01T00:00:00Z') }),
      m1: newFile(app.sim, { malicious: 5, meaningfulName: 'invoice_2024.exe', lastAnalysisDate: seconds('2024-06-01T00:00:00Z') }),
      s1: newFile(app.sim, { malicious: 0, suspicious: 3, meaningfulName: 'invoice-copy.pdf', lastAnalysisDate: seconds('2023-01-01T00:00:00Z') }),
      e1: newFile(app.sim),
    };
    const { m1, m2, s1, c1, e1 } = files;
    // A first report pays for the lookups, so the second gets every answer from the cache but one.
    firstLook = await uploadHashes(client, [m2.md5, c1.sha256, m1.sha1, unknown, s1.sha256], 'First look');
    await waitForCompletion(client, firstLook);
    app.sim.failNext(3, '503');
    //                                 line: 1       2          3        4        5        6          7
    id = await uploadHashes(client, [m2.md5, c1.sha256, FORMULA, m1.sha1, unknown, s1.sha256, e1.md5], 'Triage');
    await waitForCompletion(client, id);
  });

  test('when each verdict is asked for, then the page shows exactly its rows and says how many match', async () => {
    // Arrange
    const expected: Record<string, number[]> = { malicious: [1, 4], suspicious: [6], clean: [2], not_found: [5], invalid: [3], error: [7], pending: [] };

    for (const [verdict, lines] of Object.entries(expected)) {
      // Act
      const page = await client.get(`/reports/${id}?verdict=${verdict}`);

      // Assert
      assert.equal(page.status, 200, verdict);
      assert.deepEqual(shownLines(page.html), lines, verdict);
      assert.match(textOf(page.html), new RegExp(`${lines.length} of 7 rows match verdict ${verdict.replace('_', ' ')},`), verdict);
      assert.match(page.html, new RegExp(`<input type="checkbox" name="verdict" value="${verdict}" checked>`), `${verdict} stays ticked`);
    }
  });

  test('when several verdicts are asked for, then rows of any of them show, and "not found" is understood', async () => {
    // Act
    const several = await client.get(`/reports/${id}?verdict=malicious&verdict=suspicious`);
    const spelled = await client.get(`/reports/${id}?verdict=not%20found&verdict=error`);

    // Assert
    assert.deepEqual(shownLines(several.html), [1, 4, 6]);
    assert.match(textOf(several.html), /3 of 7 rows match verdict malicious or suspicious, in line order\./);
    assert.deepEqual(shownLines(spelled.html), [5, 7]);
  });

  test('when searching by a hash prefix, then a row matches on its input, MD5, SHA-1 or SHA-256, in any case', async () => {
    // Arrange
    const { m1, m2, c1 } = files;

    // Act
    const bySha256 = await client.get(`/reports/${id}?q=${m1.sha256.slice(0, 10)}`);
    const byMd5Upper = await client.get(`/reports/${id}?q=${c1.md5.slice(0, 8).toUpperCase()}`);
    const byInput = await client.get(`/reports/${id}?q=${m2.md5.slice(0, 6)}`);
    const notAPrefix = await client.get(`/reports/${id}?q=${m1.sha256.slice(1, 12)}`);

    // Assert
    assert.deepEqual(shownLines(bySha256.html), [4], 'line 4 was uploaded as its SHA-1');
    assert.deepEqual(shownLines(byMd5Upper.html), [2], 'line 2 was uploaded as its SHA-256');
    assert.deepEqual(shownLines(byInput.html), [1]);
    assert.deepEqual(shownLines(notAPrefix.html), [], 'the middle of a hash is no match');
    assert.match(notAPrefix.html, /No row matches\./);
  });

  test('when searching by name, then part of the file name matches, and % and _ are plain characters', async () => {
    // Act
    const invoice = await client.get(`/reports/${id}?q=INVOICE`);
    const underscore = await client.get(`/reports/${id}?q=invoice_`);
    const percent = await client.get(`/reports/${id}?q=%25`);
    const withVerdict = await client.get(`/reports/${id}?q=invoice&verdict=suspicious`);

    // Assert
    assert.deepEqual(shownLines(invoice.html), [4, 6]);
    assert.deepEqual(shownLines(underscore.html), [4], '"invoice-copy" has no underscore');
    assert.deepEqual(shownLines(percent.html), []);
    assert.deepEqual(shownLines(withVerdict.html), [6]);
    assert.match(textOf(withVerdict.html), /1 of 7 rows match verdict suspicious and “invoice”/);
    assert.ok(invoice.html.includes('invoice_2024.exe'), 'the row shows the name it matched on');
  });

  test('when sorted by detections or by last analysis, then the most detected or newest come first, unanswered rows last in line order', async () => {
    // Act
    const byDetections = await client.get(`/reports/${id}?sort=detections`);
    const byAnalysis = await client.get(`/reports/${id}?sort=last_analysis`);
    const byLine = await client.get(`/reports/${id}?sort=line`);

    // Assert
    assert.deepEqual(shownLines(byDetections.html), [4, 1, 6, 2, 3, 5, 7]);
    assert.deepEqual(shownLines(byAnalysis.html), [2, 4, 1, 6, 3, 5, 7]);
    assert.deepEqual(shownLines(byLine.html), [1, 2, 3, 4, 5, 6, 7]);
    // The column headers sort (issue 16): the current one says so to assistive technology.
    assert.match(byDetections.html, /<th scope="col" class="num" aria-sort="descending"><a class="sort" href="\?sort=detections">Detections/);
  });

  test('when parameters are unknown, repeated or malformed, then the page falls back to its defaults instead of failing', async () => {
    // Arrange
    const bad = [
      '?verdict=bogus&sort=sideways&page=abc',
      '?q[]=x&verdict[a]=malicious&sort=',
      `?q=${'a'.repeat(300)}`,
      '?page=-1&sort=detections&sort=line',
      '?verdict=%00&q=%00',
    ];

    for (const query of bad) {
      // Act
      const page = await client.get(`/reports/${id}${query}`);

      // Assert
      assert.equal(page.status, 200, query);
      assert.equal(shownLines(page.html).length, 7, query);
    }
    const mixed = await client.get(`/reports/${id}?verdict=malicious&verdict=bogus`);
    assert.deepEqual(shownLines(mixed.html), [1, 4], 'the known verdict is kept');
    const beyond = await client.get(`/reports/${id}?page=999`);
    assert.equal(beyond.status, 200);
    assert.deepEqual(shownLines(beyond.html), []);
  });

  test('when the page is filtered, then its download and copy links carry the filter, and each bar links to its verdict', async () => {
    // Act
    const page = await client.get(`/reports/${id}?verdict=malicious&q=invoice&sort=detections`);

    // Assert
    assert.ok(page.html.includes(`href="/reports/${id}/export.csv?verdict=malicious&amp;q=invoice"`), 'CSV link');
    assert.ok(page.html.includes(`href="/reports/${id}/export.json?verdict=malicious&amp;q=invoice"`), 'JSON link');
    assert.match(page.html, /<form class="copy-hashes" method="get" action="\/reports\/[^/]+\/hashes\.txt" data-copy-hashes>\s*<input type="hidden" name="verdict" value="malicious">\s*<input type="hidden" name="q" value="invoice">/);
    const bars = [...page.html.matchAll(/<li class="bar bar-(\w+)( active)?">\s*<a href="([^"]*)"[^>]*>[\s\S]*?<meter min="0" max="(\d+)" value="(\d+)"/g)].map((m) => ({
      verdict: m[1], active: Boolean(m[2]), href: m[3]?.replace(/&amp;/g, '&'), max: Number(m[4]), value: Number(m[5]),
    }));
    assert.deepEqual(bars, [
      { verdict: 'malicious', active: true, href: '?verdict=malicious&sort=detections', max: 2, value: 2 },
      { verdict: 'suspicious', active: false, href: '?verdict=suspicious&sort=detections', max: 2, value: 1 },
      { verdict: 'clean', active: false, href: '?verdict=clean&sort=detections', max: 2, value: 1 },
      { verdict: 'not_found', active: false, href: '?verdict=not_found&sort=detections', max: 2, value: 1 },
      { verdict: 'invalid', active: false, href: '?verdict=invalid&sort=detections', max: 2, value: 1 },
      { verdict: 'error', active: false, href: '?verdict=error&sort=detections', max: 2, value: 1 },
      { verdict: 'pending', active: false, href: '?verdict=pending&sort=detections', max: 2, value: 0 },
    ]);
    const followed = await client.get(`/reports/${id}${bars[1]?.href ?? ''}`);
    assert.deepEqual(shownLines(followed.html), [6]);
  });

  test('when rows came from the cache, a fresh lookup or a failure, then each row says so with the age of its answer', async () => {
    // Act
    const triage = await client.get(`/reports/${id}`);
    const first = await client.get(`/reports/${firstLook}`);

    // Assert
    const answers = (html: string) => [...html.matchAll(/<td class="nowrap answer"[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]?.trim());
    assert.deepEqual(answers(triage.html), [
      'cached · under a minute old', 'cached · under a minute old', '—', 'cached · under a minute old',
      'cached · under a minute old', 'cached · under a minute old', 'failed under a minute ago',
    ]);
    assert.deepEqual(answers(first.html), Array(5).fill('fetched under a minute ago'));
    assert.match(triage.html, /<td class="nowrap answer" title="\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC">/, 'the exact time is one hover away');
    assert.match(triage.html, new RegExp(`<a href="/reports/${id}/items/\\d+">${files.m1.sha1}</a>`), 'the row links to its own page');
  });

  test('when exports are filtered, then CSV and JSON hold exactly the matching rows in line order, and formulas stay neutralised', async () => {
    // Act
    const csvResponse = await client.request(`/reports/${id}/export.csv?verdict=malicious&sort=detections`);
    const csv = await csvResponse.text();
    const invalidCsv = await (await client.request(`/reports/${id}/export.csv?verdict=invalid`)).text();
    const byName = await (await client.request(`/reports/${id}/export.csv?q=invoice_`)).text();
    const json = await exportJson(client, `/reports/${id}/export.json?verdict=malicious&verdict=suspicious`);
    const whole = await exportJson(client, `/reports/${id}/export.json?verdict=nonsense`);

    // Assert
    assert.equal(csvResponse.status, 200);
    assert.equal(csvResponse.headers.get('cache-control'), 'no-store');
    assert.match(csvResponse.headers.get('content-disposition') ?? '', /^attachment; filename="?Triage-filtered\.csv"?$/);
    assert.equal(csv.split('\r\n')[0], EXPORT_COLUMNS.join(','));
    assert.deepEqual(csvLines(csv), [1, 4], 'line order: the sort is the page\'s, not the file\'s');
    assert.deepEqual(csvLines(invalidCsv), [3]);
    assert.equal(invalidCsv.split('\r\n')[1]?.split(',')[EXPORT_COLUMNS.indexOf('input')], `"'${FORMULA}"`);
    assert.deepEqual(csvLines(byName), [4]);
    assert.deepEqual(json.items.map((i) => [i.line, i.verdict]), [[1, 'malicious'], [4, 'malicious'], [6, 'suspicious']]);
    assert.deepEqual(json.filter, { verdict: ['malicious', 'suspicious'], q: '' });
    assert.equal(json.counts.total, 7, 'the counts stay the whole report\'s');
    assert.equal(whole.filter, null);
    assert.equal(whole.items.length, 7);
  });

  test('when the hash list is asked for, then it is every matching row\'s hash of that kind, once each, as plain text nobody caches', async () => {
    // Arrange
    const { m1, m2, s1 } = files;
    const twice = await uploadHashes(client, [m1.md5, m2.sha1, m1.sha256], 'Same file twice');
    await waitForCompletion(client, twice);
    const text = async (path: string) => {
      const response = await client.request(path);
      assert.equal(response.status, 200, path);
      return { response, body: await response.text() };
    };

    // Act
    const sha256 = await text(`/reports/${id}/hashes.txt?verdict=malicious&verdict=suspicious&kind=sha256`);
    const md5 = await text(`/reports/${id}/hashes.txt?verdict=malicious&kind=md5`);
    const fallback = await text(`/reports/${id}/hashes.txt?q=invoice&kind=crc32`);
    const notFound = await text(`/reports/${id}/hashes.txt?verdict=not_found`);
    const notFoundSha1 = await text(`/reports/${id}/hashes.txt?verdict=not_found&kind=sha1`);
    const deduplicated = await text(`/reports/${twice}/hashes.txt`);

    // Assert
    assert.equal(sha256.body, `${m2.sha256}\n${m1.sha256}\n${s1.sha256}\n`);
    assert.match(sha256.response.headers.get('content-type') ?? '', /^text\/plain; charset=utf-8/);
    assert.equal(sha256.response.headers.get('cache-control'), 'no-store');
    assert.equal(md5.body, `${m2.md5}\n${m1.md5}\n`);
    assert.equal(fallback.body, `${m1.sha256}\n${s1.sha256}\n`, 'an unknown kind means SHA-256');
    assert.equal(notFound.body, `${unknown}\n`, 'a hash VirusTotal does not know is still the SHA-256 it was uploaded as');
    assert.equal(notFoundSha1.body, '');
    assert.equal(deduplicated.body, `${m1.sha256}\n${m2.sha256}\n`, 'two rows of one file give its hash once');
  });
});

describe('pending rows, paging and the report list', () => {
  let client: HttpClient;
  let known: ReturnType<typeof newFile>;
  let completed: string;
  const tag = hex(3);

  // One lookup a day: this report spends it, and later reports get `known` from the cache (under
  // another of its hashes) while anything new waits for quota.
  const app = appSuite({ env: { VT_RATE_PER_DAY: '1' } });
  before(async () => {
    client = await signedIn(app);
    known = newFile(app.sim, { malicious: 0 });
    completed = await uploadHashes(client, [known.md5], `Nightjar ${tag} done`);
    await waitForCompletion(client, completed);
  });

  test('when rows wait for quota, then the pending filter shows them and the report list tells completed, running and queued apart', async () => {
    // Arrange
    const waiting = hex(32);
    const running = await uploadHashes(client, [known.sha256, waiting], `Nightjar ${tag} half`);
    await uploadHashes(client, [hex(20)], `Nightjar ${tag} waiting`);
    await uploadHashes(client, [known.sha1], `Kestrel ${tag}`);
    await waitFor(async () => (await reportStatus(client, running)).counts.clean === 1, 'the cache hit');

    // Act
    const pending = await client.get(`/reports/${running}?verdict=pending`);
    const clean = await client.get(`/reports/${running}?verdict=clean`);
    const named = (status: string) => client.get(`/reports?q=nightjar%20${tag}${status ? `&status=${status}` : ''}`);
    const [all, done, half, notStarted] = await Promise.all([named(''), named('completed'), named('running'), named('queued')]);
    const unknownStatus = await client.get('/reports?status=lost&q=');

    // Assert
    assert.deepEqual(shownLines(pending.html), [2]);
    assert.match(textOf(pending.html), new RegExp(`${waiting} SHA-256 waiting for quota`));
    assert.deepEqual(shownLines(clean.html), [1]);
    const names = (html: string) => [...html.matchAll(/<td><a href="\/reports\/[^"]+">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);
    assert.deepEqual(names(all.html).sort(), [`Nightjar ${tag} done`, `Nightjar ${tag} half`, `Nightjar ${tag} waiting`]);
    assert.deepEqual(names(done.html), [`Nightjar ${tag} done`]);
    assert.deepEqual(names(half.html), [`Nightjar ${tag} half`]);
    assert.deepEqual(names(notStarted.html), [`Nightjar ${tag} waiting`]);
    assert.match(textOf(all.html), /3 reports: named like “nightjar \w+”\./);
    assert.match(half.html, /<option value="running" selected>/);
    assert.equal(unknownStatus.status, 200);
    assert.equal(names(unknownStatus.html).length, 4, 'an unknown status means any status');
  });

  test('when a filtered result runs over several pages, then the pager keeps the filter and the order', async () => {
    // Arrange
    const lines = [...Array.from({ length: 205 }, (_, i) => `bad line ${i + 1}`), known.md5];
    const id = await uploadHashes(client, lines, 'Many lines');

    // Act
    const first = await client.get(`/reports/${id}?verdict=invalid&q=bad&sort=detections`);
    const second = await client.get(`/reports/${id}${nextHref(first.html) ?? ''}`);
    const third = await client.get(`/reports/${id}${nextHref(second.html) ?? ''}`);

    // Assert
    assert.equal(nextHref(first.html), '?verdict=invalid&q=bad&sort=detections&page=2');
    assert.equal(shownLines(first.html).length, 100);
    assert.match(textOf(first.html), /205 of 206 rows match verdict invalid and “bad”, most detections first\. .*Page 1 of 3/);
    assert.deepEqual(shownLines(second.html).slice(0, 2), [101, 102]);
    assert.deepEqual(shownLines(third.html), [201, 202, 203, 204, 205]);
    assert.equal(nextHref(third.html), undefined);
    assert.match(third.html, /<a href="\?verdict=invalid&amp;q=bad&amp;sort=detections&amp;page=2" rel="prev">/);
  });

  test('when the report list is searched over more than a page, then the pager keeps the search and the status', async () => {
    // Arrange: cache hits only, so every one completes on upload.
    for (let i = 1; i <= 22; i++) await uploadHashes(client, [known.sha1], `Ledger ${i}`);

    // Act
    const page1 = await client.get('/reports?q=ledger&status=completed');
    const page2 = await client.get(`/reports${nextHref(page1.html) ?? ''}`);

    // Assert
    assert.equal(nextHref(page1.html), '?q=ledger&status=completed&page=2');
    assert.match(textOf(page1.html), /22 reports: named like “ledger”, completed\./);
    assert.equal([...page1.html.matchAll(/<td><a href="\/reports\//g)].length, 20);
    assert.equal([...page2.html.matchAll(/<td><a href="\/reports\//g)].length, 2);
  });

  test('when the report list is sorted by name with its column header, then the reports run A to Z and the search is kept', async () => {
    // Arrange: uploaded out of alphabetical order.
    const tag = hex(3);
    for (const name of ['Osprey', 'Albatross', 'Merlin']) await uploadHashes(client, [known.sha1], `${name} ${tag}`);
    const newestFirst = await client.get(`/reports?q=${tag}`);
    const names = (html: string) => [...html.matchAll(/<td><a href="\/reports\/[^"]+">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);

    // Act: follow the Name header's link.
    const nameHref = /<a class="sort" href="([^"]*)">Name</.exec(newestFirst.html)?.[1]?.replace(/&amp;/g, '&') ?? '';
    const byName = await client.get(`/reports${nameHref}`);

    // Assert
    assert.deepEqual(names(newestFirst.html), [`Merlin ${tag}`, `Albatross ${tag}`, `Osprey ${tag}`]);
    assert.equal(nameHref, `?q=${tag}&sort=name`);
    assert.deepEqual(names(byName.html), [`Albatross ${tag}`, `Merlin ${tag}`, `Osprey ${tag}`]);
    assert.match(byName.html, /<th scope="col" aria-sort="ascending"><a class="sort" href="[^"]*">Name/);
  });
});
