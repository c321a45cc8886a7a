/**
 * An analyst triaging a finished report in the browser: opens a row's page and comes back, narrows
 * the report to the malicious rows with the filter form, downloads them as CSV and copies their hashes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseCsv } from '../helpers/bad-input.js';
import { browserSuite, signedInContext, watchConsole } from '../helpers/browser.js';
import { waitForCompletion } from '../helpers/test-app.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { EXPORT_COLUMNS } from '../../src/reports/files/export-row.js';

const suite = browserSuite();

test('when an analyst opens a row, comes back, filters to malicious and exports, then the CSV and the copied hashes hold only the malicious rows', async () => {
  // Arrange: a finished report with mixed verdicts, and a browser signed in as its owner.
  const client = await signedIn(suite.app);
  const dropper = newFile(suite.app.sim, { malicious: 7, meaningfulName: 'dropper.exe' });
  const loader = newFile(suite.app.sim, { malicious: 2, meaningfulName: 'loader.dll' });
  const clean = newFile(suite.app.sim, { malicious: 0, meaningfulName: 'notepad.exe' });
  const unknown = hex(32);
  const id = await uploadHashes(client, [clean.md5, dropper.sha256, 'not a hash', unknown, loader.sha1], 'Triage in the browser');
  await waitForCompletion(client, id);
  const context = await signedInContext(suite, client, { acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.app.url });
  const page = await context.newPage();
  const problems = watchConsole(page);
  const reportUrl = `${suite.app.url}/reports/${id}`;
  const table = page.locator('table.items');

  // Act: open a row's own page from the report, then go back.
  await page.goto(reportUrl);
  await page.getByRole('link', { name: dropper.sha256, exact: true }).click();
  await page.waitForURL(/\/reports\/[\w-]+\/items\/\d+$/);
  const detailHeading = await page.getByRole('heading', { level: 1 }).innerText();
  await page.goBack();
  await page.waitForURL(reportUrl);

  // Assert: the detail page was the row's, and the report is back with every row.
  assert.equal(detailHeading, dropper.sha256);
  assert.equal(await table.locator('tbody tr').count(), 5);
  assert.match(await page.getByRole('link', { name: /^Malicious\s+2$/ }).innerText(), /Malicious\s+2/, 'the verdict bar counts two');

  // Act: open the filter form (collapsed while no filter is on, issue 16) and filter to malicious.
  await page.getByText('Filter and search', { exact: true }).click();
  await page.getByRole('checkbox', { name: 'Malicious' }).check();
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(`${reportUrl}?verdict=malicious&q=&sort=line`);

  // Assert: only the malicious rows, and the page says so.
  const rows = await table.locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, 2, rows.join('\n'));
  assert.ok(rows[0]?.includes(dropper.sha256) && rows[0].includes('dropper.exe'), rows[0]);
  assert.ok(rows[1]?.includes(loader.sha1) && rows[1].includes('loader.dll'), rows[1]);
  assert.match(await page.locator('#filter-summary').innerText(), /2 of 5 rows match verdict malicious, in line order\./);
  assert.equal(await page.getByRole('checkbox', { name: 'Malicious' }).isChecked(), true);

  // Act: download the CSV through the page's own link.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  const csv = await readFile((await download.path()) ?? '', 'utf8');

  // Assert: the CSV has exactly the malicious rows.
  const [header = [], ...cells] = parseCsv(csv);
  assert.deepEqual(header, [...EXPORT_COLUMNS]);
  assert.deepEqual(cells.map((c) => c[EXPORT_COLUMNS.indexOf('verdict')]), ['malicious', 'malicious'], csv);
  assert.deepEqual(cells.map((c) => c[EXPORT_COLUMNS.indexOf('sha256')]), [dropper.sha256, loader.sha256], csv);
  assert.match(download.suggestedFilename(), /-filtered\.csv$/);

  // Act: copy the filtered rows' SHA-256s in one click.
  await page.getByRole('button', { name: 'Copy hashes' }).click();
  await page.locator('.copy-status', { hasText: 'Copied' }).waitFor();

  // Assert: the clipboard holds every matching row's SHA-256, and nothing went wrong on the way.
  assert.equal(await page.locator('.copy-status').innerText(), 'Copied 2 SHA-256s.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${dropper.sha256}\n${loader.sha256}\n`);
  await page.screenshot({ path: 'test-results/report-triage.png', fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
