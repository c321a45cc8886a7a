/**
 * Search that thinks like an analyst: GET /search finds a value across all of the signed-in analyst's
 * reports (any of a file's three hashes, a domain, an IP; defanged forms too) and nobody else's; the
 * report page's own search refangs its query; rows that are one file are marked and counted once.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForCompletion } from '../helpers/test-app.js';
import { textOf } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { newFile, signedIn, uploadHashes } from '../helpers/factories.js';

/** The report links of the search page's result rows, in order. */
const resultReports = (html: string) => [...html.matchAll(/<td><a href="\/reports\/([A-Za-z0-9_-]+)">/g)].map((m) => m[1]);

describe('searching every report of one analyst', () => {
  let ana: HttpClient;
  let bob: HttpClient;
  let anaEmail: string;
  let files: Record<'dropper' | 'loader', ReturnType<typeof newFile>>;
  let first: string;
  let second: string;
  let bobs: string;

  const app = appSuite();
  before(async () => {
    anaEmail = `ana-${Date.now()}@example.test`;
    ana = await signedIn(app, anaEmail);
    bob = await signedIn(app);
    files = {
      dropper: newFile(app.sim, { malicious: 9, meaningfulName: 'dropper.dll' }),
      loader: newFile(app.sim, { malicious: 0, meaningfulName: 'loader.exe' }),
    };
    // Ana lists the dropper by its MD5 in one report and by its SHA-1 in another, beside a domain.
    first = await uploadHashes(ana, [files.dropper.md5, 'hxxp://tawuhoju[.]com/invoice.zip', files.loader.sha256], 'Ana first');
    await waitForCompletion(ana, first);
    second = await uploadHashes(ana, ['1.1.1.1', files.dropper.sha1], 'Ana second');
    await waitForCompletion(ana, second);
    // Bob has the very same file and domain in his own report.
    bobs = await uploadHashes(bob, [files.dropper.sha256, 'tawuhoju.com'], 'Bob private');
    await waitForCompletion(bob, bobs);
  });

  test('when a file is searched by any of its three hashes, then every report of hers that has it is listed, newest first, with the verdict and the name', async () => {
    for (const hash of [files.dropper.sha256, files.dropper.md5.toUpperCase(), files.dropper.sha1]) {
      // Act
      const page = await ana.get(`/search?q=${encodeURIComponent(hash)}`);

      // Assert
      assert.equal(page.status, 200);
      assert.deepEqual(resultReports(page.html), [second, first], `by ${hash}`);
      const text = textOf(page.html);
      assert.match(text, /2 rows of your reports name/);
      assert.ok(text.includes('malicious') && text.includes('9 / ') && text.includes('dropper.dll'), text.slice(0, 600));
    }
  });

  test('when a file is searched by a hash she never listed, then the cache, which knows its other hashes, leads to her rows', async () => {
    const page = await ana.get(`/search?q=${files.loader.md5}`);
    assert.deepEqual(resultReports(page.html), [first], 'she listed the loader by its SHA-256 only');
    assert.ok(textOf(page.html).includes('loader.exe'));
  });

  test("when another analyst has the same file and domain, then the search never lists his report, and he never sees hers", async () => {
    const anas = await ana.get(`/search?q=${files.dropper.sha256}`);
    const bobsPage = await bob.get(`/search?q=${files.dropper.md5}`);
    const bobsDomain = await bob.get('/search?q=tawuhoju.com');

    assert.ok(!anas.html.includes(bobs) && !anas.html.includes('Bob private'));
    assert.deepEqual(resultReports(bobsPage.html), [bobs]);
    assert.deepEqual(resultReports(bobsDomain.html), [bobs]);
    assert.ok(!bobsPage.html.includes('Ana first') && !bobsPage.html.includes(first));
  });

  test('when the query is defanged or a URL, then it is refanged and finds the domain or IP', async () => {
    for (const query of ['tawuhoju[.]com', 'hxxps://TAWUHOJU[.]com/other/path', 'tawuhoju(.)com']) {
      const page = await ana.get(`/search?q=${encodeURIComponent(query)}`);
      assert.deepEqual(resultReports(page.html), [first], query);
      assert.match(textOf(page.html), /name tawuhoju\.com|names tawuhoju\.com/);
    }
    const ip = await ana.get(`/search?q=${encodeURIComponent('1.1.1[.]1')}`);
    assert.deepEqual(resultReports(ip.html), [second]);
  });

  test('when the query is not a value, or names nothing of hers, then the page says so', async () => {
    const words = await ana.get('/search?q=invoice');
    const unknown = await ana.get(`/search?q=${'0'.repeat(64)}`);
    assert.match(textOf(words.html), /is not a hash, a domain or an IP address/);
    assert.match(textOf(unknown.html), /None of your reports has a row naming 0{64}/);
    assert.deepEqual(resultReports(unknown.html), []);
  });

  test('when signed out, then /search sends to the sign-in page', async () => {
    const response = await app.client().request('/search?q=tawuhoju.com');
    assert.equal(response.status, 303);
    assert.match(response.headers.get('location') ?? '', /^\/login/);
  });

  test("when the report page's own search is defanged, then it finds the row as the list wrote it", async () => {
    for (const query of ['tawuhoju[.]com', 'hxxp://tawuhoju[.]com/elsewhere', 'TAWUHOJU.COM']) {
      const page = await ana.get(`/reports/${first}?q=${encodeURIComponent(query)}`);
      assert.match(textOf(page.html), /1 of 3 rows match/, query);
      assert.ok(page.html.includes('hxxp://tawuhoju[.]com/invoice.zip'), query);
    }
  });
});

describe('one file under several names in one report', () => {
  const app = appSuite();
  let client: HttpClient;
  let id: string;
  let file: ReturnType<typeof newFile>;

  before(async () => {
    client = await signedIn(app);
    file = newFile(app.sim, { malicious: 4 });
    const other = newFile(app.sim);
    //                                  line: 1        2           3            4
    id = await uploadHashes(client, [file.md5, other.sha256, file.sha256, file.sha1], 'Same file');
    await waitForCompletion(client, id);
  });

  test('when its MD5, SHA-256 and SHA-1 are on lines 1, 3 and 4, then lines 3 and 4 say "same file as line 1" and the summary counts the file once', async () => {
    // Act
    const page = await client.get(`/reports/${id}`);
    const json = (await (await client.request(`/reports/${id}/export.json`)).json()) as { sameFile: number; counts: { total: number } };

    // Assert
    const rows = page.html.split('<tr class="v-').slice(1);
    const marks = rows.map((row) => /same file as <a href="[^"]+">line (\d+)<\/a>/.exec(row)?.[1] ?? null);
    assert.deepEqual(marks, [null, null, '1', '1']);
    assert.match(textOf(page.html), /2 rows repeat files an earlier line already names by another of its hashes: counting each file once, the report has 2 distinct rows of 4\./);
    assert.equal(json.sameFile, 2);
    const rowPage = await client.get(`/reports/${id}/items/4`);
    assert.match(textOf(rowPage.html), /The same file as line 1 , named there by another of its hashes/);
    assert.equal(json.counts.total, 4, 'the rows themselves stay');
  });
});
