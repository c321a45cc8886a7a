/**
 * The nastiest inputs of the bad-input corpus, in a real browser: a report named by a hostile file
 * name and full of script and attribute-breaking lines must show all of it as text, and run none of it.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite, signedInContext } from '../helpers/browser.js';
import { waitForCompletion } from '../helpers/test-app.js';
import { signedIn } from '../helpers/factories.js';
import { corpusCase, expand, readCorpus } from '../helpers/bad-input.js';

const suite = browserSuite();

const lines = readCorpus('hostile-lines.txt').toString('utf8').split('\n').map((l) => l.trim());
const HOSTILE_LINES = lines.filter((l) => l !== '' && !/^[0-9a-f]{32,64}\b/.test(l));
const FILE_NAME = ((send) => ('upload' in send && send.filename !== undefined ? expand(send.filename) : ''))(corpusCase('name-attribute-breaker').send);
const FIELD_NAME = '<script>alert(1)</script>';

/** Everything a page did that it should not: dialogs, script errors, console errors (CSP violations among them). */
function watch(page: Page) {
  const seen = { dialogs: [] as string[], problems: [] as string[] };
  page.on('dialog', (dialog) => {
    seen.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => seen.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.problems.push(`console: ${msg.text()}`);
  });
  return seen;
}

/** Nothing of the hostile text became markup: no image, SVG or extra script on the page. */
async function assertNoInjectedElements(page: Page, where: string): Promise<void> {
  const injected = await page.evaluate(() => ({
    images: document.querySelectorAll('img').length,
    svgs: document.querySelectorAll('svg').length,
    inlineHandlers: document.querySelectorAll('[onerror], [onload]').length,
    scripts: [...document.scripts].map((s) => s.getAttribute('src')),
  }));
  assert.deepEqual(injected, { images: 0, svgs: 0, inlineHandlers: 0, scripts: ['/static/js/app.js', '/static/js/table.js'] }, where);
}

async function downloadText(page: Page, link: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: link }).click()]);
  return readFile((await download.path()) ?? '', 'utf8');
}

test('when a report built from hostile inputs is opened in the browser, then every string shows as text and nothing runs', async (t: TestContext) => {
  // Arrange: upload through the browser's own form, so Chromium encodes the file name.
  const client = await signedIn(suite.app);
  const uploader = await signedInContext(suite, client);
  const form = await uploader.newPage();
  await form.goto(`${suite.app.url}/reports/new`);
  await form.getByLabel('Hash file').setInputFiles({ name: FILE_NAME, mimeType: 'text/plain', buffer: readCorpus('hostile-lines.txt') });
  await form.getByRole('button', { name: 'Upload' }).click();
  await form.waitForURL(/\/reports\/[A-Za-z0-9_-]+$/);
  const reportUrl = form.url();
  await form.goto(`${suite.app.url}/reports/new`);
  await form.getByLabel('Hashes').fill(lines[0] ?? '');
  await form.getByLabel('Report name').fill(FIELD_NAME);
  await form.getByRole('button', { name: 'Upload' }).click();
  await form.waitForURL(/\/reports\/[A-Za-z0-9_-]+$/);
  await uploader.close();
  await waitForCompletion(client, reportUrl.split('/').pop() ?? '');

  // With the CSP on, an injected handler would be blocked and logged; with it bypassed, it would run and open a dialog.
  for (const bypassCSP of [false, true]) {
    const context: BrowserContext = await signedInContext(suite, client, { bypassCSP, acceptDownloads: true });
    const page = await context.newPage();
    const seen = watch(page);
    const csp = bypassCSP ? 'CSP bypassed' : 'CSP on';

    // Act + Assert: the report page
    await page.goto(reportUrl);
    await assertNoInjectedElements(page, `${csp}: report page`);
    assert.equal(await page.locator('h1').textContent(), FILE_NAME);
    assert.equal(await page.title(), `${FILE_NAME} · Hash Report`);
    const table = page.locator('table.items');
    for (const line of HOSTILE_LINES) {
      assert.equal(await table.getByText(line, { exact: true }).count(), 1, `${csp}: "${line}" is shown as text`);
    }

    // The downloads: the CSV neutralises formulas, the JSON keeps the strings as they are.
    const csv = await downloadText(page, 'Download CSV');
    assert.ok(csv.includes(`'=cmd|' /C calc'!A0`), `${csp}: the formula line is quoted in the CSV`);
    assert.ok(!/(^|,)"?[=+\-@]/m.test(csv), `${csp}: no CSV cell starts a formula`);
    const json = JSON.parse(await downloadText(page, 'Download JSON')) as { name: string; items: Array<{ input: string }> };
    assert.equal(json.name, FILE_NAME);
    for (const line of HOSTILE_LINES) assert.ok(json.items.some((i) => i.input === line), `${csp}: "${line}" is in the JSON`);

    // The list: both hostile names as link text.
    await page.goto(`${suite.app.url}/reports`);
    await assertNoInjectedElements(page, `${csp}: report list`);
    const links = await page.locator('table.reports tbody a').allTextContents();
    assert.deepEqual(links.sort(), [FILE_NAME, FIELD_NAME].sort(), `${csp}: both names are link text`);
    await Promise.all([page.waitForURL(/\/reports\/[A-Za-z0-9_-]+$/), page.getByRole('link', { name: FIELD_NAME, exact: true }).click()]);
    await assertNoInjectedElements(page, `${csp}: second report`);
    assert.equal(await page.locator('h1').textContent(), FIELD_NAME);

    // Recorded for the log whatever happens, then held to: nothing at all.
    t.diagnostic(`${csp}: dialogs ${JSON.stringify(seen.dialogs)}, console problems ${JSON.stringify(seen.problems)}`);
    assert.deepEqual(seen.dialogs, [], `${csp}: no dialog opened`);
    assert.deepEqual(seen.problems, [], `${csp}: no script error or CSP violation`);
    await context.close();
  }
});
