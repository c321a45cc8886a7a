/**
 * The report page's pager reads pages as ranges from a row (its links carry the line of the row to
 * read after or before): walking it forward and back gives every row exactly once, in the order
 * chosen, for each order and filter; a jump to page N gives the same rows as walking there.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { shownLines, userIdOf } from '../helpers/page.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';

interface Row {
  line: number;
  verdict: string;
  malicious: number | null;
  suspicious: number | null;
  last_analysis_date: string | null;
}

const SEVERITY = ['malicious', 'suspicious', 'error', 'not_found', 'pending', 'not_suspicious', 'clean', 'invalid'];
const VERDICTS = ['malicious', 'clean', 'pending', 'not_found', 'suspicious'];

/** Each order the page offers, as the analyst expects it: most detections first, rows without an answer last, ties by line. */
const byDetections = (a: Row, b: Row) => (b.malicious ?? -1) - (a.malicious ?? -1) || (b.suspicious ?? -1) - (a.suspicious ?? -1) || a.line - b.line;
const ORDERS: Record<string, (a: Row, b: Row) => number> = {
  line: (a, b) => a.line - b.line,
  detections: byDetections,
  verdict: (a, b) => SEVERITY.indexOf(a.verdict) - SEVERITY.indexOf(b.verdict) || byDetections(a, b),
  last_analysis: (a, b) => (b.last_analysis_date ?? '').localeCompare(a.last_analysis_date ?? '') || a.line - b.line,
};

const linkOf = (html: string, rel: 'next' | 'prev') => new RegExp(`<a href="([^"]*)" rel="${rel}">`).exec(html)?.[1]?.replace(/&amp;/g, '&');

describe('paging a report by cursor', () => {
  const app = appSuite();
  let client: HttpClient;
  let id: string;
  let rows: Row[];

  before(async () => {
    client = await signedIn(app);
    id = await uploadHashes(client, [hex(16)], 'Paging');
    await waitForCompletion(client, id);
    // Set-up written straight into the table: 480 more rows with gaps in their lines (as blank and
    // repeated lines leave them), five verdicts, many ties in detections and analysis dates.
    const added = Array.from({ length: 480 }, (_, i) => {
      const verdict = VERDICTS[i % VERDICTS.length]!;
      const answered = verdict !== 'pending' && verdict !== 'not_found';
      return [id, 10 + i * 3, `row ${i}`, hex(16), 'md5', verdict === 'pending' ? 'pending' : 'found', verdict, answered ? i % 4 : null, answered ? i % 3 : null, answered && i % 6 !== 0 ? `2024-0${1 + (i % 5)}-01` : null] as const;
    });
    await app.db.insertRows('report_items', ['report_id', 'line', 'input', 'hash', 'hash_type', 'status', 'verdict', 'malicious', 'suspicious', 'last_analysis_date'], added);
    rows = await app.db.rows<Row>('SELECT line, verdict, malicious, suspicious, last_analysis_date FROM report_items WHERE report_id = ?', id);
    assert.equal(rows.length, 481);
  });

  for (const sort of Object.keys(ORDERS)) {
    for (const verdicts of [[], ['malicious'], ['clean', 'suspicious']]) {
      test(`when the pager is walked forward and back, sorted by ${sort}${verdicts.length ? `, filtered to ${verdicts.join(' and ')}` : ''}, then every row comes once, in order`, async () => {
        // Arrange
        const expected = rows.filter((r) => verdicts.length === 0 || verdicts.includes(r.verdict)).sort(ORDERS[sort]).map((r) => r.line);
        const filter = verdicts.map((v) => `&verdict=${v}`).join('');
        const pages: number[][] = [];

        // Act: forward from the first page, then back from the last.
        let href: string | undefined = `?sort=${sort}&per=50${filter}`;
        let html = '';
        while (href) {
          html = (await client.get(`/reports/${id}${href}`)).html;
          pages.push(shownLines(html));
          href = linkOf(html, 'next');
          assert.ok(pages.length <= 12, 'the walk ends');
        }
        const backward: number[][] = [];
        href = linkOf(html, 'prev');
        while (href) {
          html = (await client.get(`/reports/${id}${href}`)).html;
          backward.unshift(shownLines(html));
          href = linkOf(html, 'prev');
          assert.ok(backward.length <= 12, 'the walk back ends');
        }
        const jumped = await Promise.all(pages.map(async (_, i) => shownLines((await client.get(`/reports/${id}?sort=${sort}&per=50${filter}&page=${i + 1}`)).html)));

        // Assert
        assert.deepEqual(pages.flat(), expected, 'forward: every row once, in order');
        assert.ok(pages.slice(0, -1).every((p) => p.length === 50), 'full pages but the last');
        assert.deepEqual(backward, pages.slice(0, -1), 'backward: the same pages');
        assert.deepEqual(jumped, pages, 'page N by number: the same rows as walking there');
      });
    }
  }

  test('when the report list is asked for 50 a page, then it shows up to 50 reports with their kept counts, and its links keep the size', async () => {
    // Arrange: 24 reports of one analyst, written straight into the table (the upload limit would take minutes).
    const email = uniqueEmail('lister');
    const lister = await signedIn(app, email);
    const userId = await userIdOf(app, email);
    const now = Date.now();
    await app.db.insertRows('reports', ['id', 'user_id', 'name', 'state', 'created_at'], Array.from({ length: 24 }, (_, i) => [`list-report-${hex(8)}`, userId, `Report ${i}`, 'completed', now - i * 1000] as const));

    // Act
    const byDefault = await lister.get('/reports');
    const fifty = await lister.get('/reports?per=50');
    const unknownSize = await lister.get('/reports?per=7');

    // Assert
    const listed = (html: string) => [...html.matchAll(/<td><a href="\/reports\/list-report-/g)].length;
    assert.equal(listed(byDefault.html), 20, '20 a page by default');
    assert.match(byDefault.html, /<a href="\?page=2" rel="next">/);
    assert.equal(listed(fifty.html), 24, 'all 24 on one page');
    assert.doesNotMatch(fifty.html, /rel="next"/);
    assert.match(fifty.html, /<a aria-current="true" href="\?per=50">50<\/a>/, 'the chosen size is marked');
    assert.match(fifty.html, /<a class="sort" href="\?sort=name&amp;per=50">/, 'a new order keeps the size');
    assert.equal(listed(unknownSize.html), 20, 'a size not offered is the default');
  });
});
