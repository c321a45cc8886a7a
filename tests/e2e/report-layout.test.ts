/**
 * Issue 16 in a real browser: every main page fits a laptop (1366×768) and a phone (390×844)
 * without scrolling sideways and with no axe-core violation; the report's first row shows without
 * scrolling on the laptop; its column headers sort; actions say what they did; and a keyboard alone
 * uploads a list and opens a row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { browserSuite, signedInContext, watchConsole } from '../helpers/browser.js';
import { waitForCompletion } from '../helpers/test-app.js';
import { adminClient, hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import type { HttpClient } from '../helpers/http-client.js';

const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

const suite = browserSuite();
let admin: HttpClient;
let reportId: string;
let arranged: Promise<void> | null = null;

/**
 * Made by the first test that needs it (a root-level before() would not wait for the app's own).
 * A report with every kind of row, long enough for two pages of 50: the admin's, so /admin opens too.
 */
const arrange = () => (arranged ??= (async () => {
  admin = await adminClient(suite.app);
  const files = Array.from({ length: 56 }, (_, i) => newFile(suite.app.sim, { malicious: i % 4 === 0 ? 3 + i : 0, meaningfulName: `sample-${i}-with-a-rather-long-file-name.exe` }));
  const lines = [...files.map((f, i) => [f.md5, f.sha1, f.sha256][i % 3] ?? f.sha256), 'hxxp://tawuhoju[.]com/invoice.zip', '1.1.1[.]1', 'this line is not a hash', hex(32)];
  reportId = await uploadHashes(admin, lines, 'Layout check — a report with a fairly long name to fit on a phone');
  await waitForCompletion(admin, reportId);
  // Enough accounts for /admin's users table to page (50 a page) and offer its page sizes; written
  // straight to the table, as registering each would spend the test's time hashing passwords.
  const tag = hex(6);
  await suite.app.runtime.database.db
    .insertInto('users')
    .values(Array.from({ length: 55 }, (_, i) => ({ email: `analyst-${String(i).padStart(2, '0')}-${tag}@an-unusually-long-department-name.example.test`, password_hash: 'not-a-hash', created_at: Date.now() - i * 60_000 })))
    .execute();
})());

const MAIN_PAGES = () => [
  { name: 'home', path: '/', signedIn: false },
  { name: 'login', path: '/login', signedIn: false },
  { name: 'register', path: '/register', signedIn: false },
  { name: 'reports list', path: '/reports', signedIn: true },
  { name: 'new report', path: '/reports/new', signedIn: true },
  // 50 rows a page: axe-core's time grows with the table, and 50 rows are as good a sample as 100.
  { name: 'report', path: `/reports/${reportId}?per=50`, signedIn: true },
  { name: 'file row', path: `/reports/${reportId}/items/1`, signedIn: true },
  { name: 'domain row', path: `/reports/${reportId}/items/57`, signedIn: true },
  { name: 'settings', path: '/settings', signedIn: true },
  { name: 'admin', path: '/admin', signedIn: true },
  // Sorted by a clicked column, on its second page: the headers, both pagers and the page sizes drawn.
  { name: 'admin sorted and paged', path: '/admin?users_sort=email&users_dir=desc&users_page=2&keys_sort=today', signedIn: true },
];

async function pageAt(browser: Browser, viewport: typeof LAPTOP, signedIn: boolean): Promise<Page> {
  const context = signedIn ? await signedInContext(suite, admin, { viewport }) : await browser.newContext({ viewport });
  return context.newPage();
}

/**
 * axe-core's violations, one readable line each: rule, impact and the elements. Colour contrast is
 * checked at one width only: the colours are the same at every width, and it is most of axe's time.
 */
async function axeViolations(page: Page, contrast: boolean): Promise<string[]> {
  const axe = new AxeBuilder({ page });
  const { violations } = await (contrast ? axe : axe.disableRules(['color-contrast'])).analyze();
  return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('when each main page opens on a laptop and on a phone, then none scrolls sideways and axe-core finds no violation', async () => {
  await arrange();
  const problems: string[] = [];
  for (const viewport of [LAPTOP, PHONE]) {
    const anonymous = await pageAt(suite.browser, viewport, false);
    const signedIn = await pageAt(suite.browser, viewport, true);
    const consoleProblems = [...watchConsole(anonymous), ...watchConsole(signedIn)];
    for (const { name, path, signedIn: needsUser } of MAIN_PAGES()) {
      const page = needsUser ? signedIn : anonymous;
      const response = await page.goto(`${suite.app.url}${path}`);
      assert.equal(response?.status(), 200, `${name} at ${viewport.width}`);
      const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (scrollWidth > innerWidth) problems.push(`${name} at ${viewport.width}: ${scrollWidth} px wide`);
      for (const violation of await axeViolations(page, viewport === LAPTOP)) problems.push(`${name} at ${viewport.width}: ${violation}`);
    }
    assert.deepEqual(consoleProblems, []);
    await anonymous.context().close();
    await signedIn.context().close();
  }
  assert.deepEqual(problems, []);
});

test('when a report opens on a laptop, then its first row shows without scrolling, and its column headers and page sizes reorder and resize it', async () => {
  // Arrange
  await arrange();
  const page = await pageAt(suite.browser, LAPTOP, true);
  const problems = watchConsole(page);
  const reportUrl = `${suite.app.url}/reports/${reportId}`;
  const rows = page.locator('table.items tbody tr');
  const lineNumbers = async () => (await rows.locator('td:first-child').allInnerTexts()).map(Number);

  // Act
  await page.goto(reportUrl);

  // Assert: the first row is inside the window as the page opens.
  const firstRow = await rows.first().boundingBox();
  assert.ok(firstRow && firstRow.y + firstRow.height <= LAPTOP.height, `the first row ends at ${firstRow && firstRow.y + firstRow.height} px`);
  assert.deepEqual((await lineNumbers()).slice(0, 3), [1, 2, 3]);

  // Act: sort by verdict with a click on its header.
  await page.getByRole('link', { name: 'Verdict (sort: most severe first)' }).click();
  await page.waitForURL(`${reportUrl}?sort=verdict`);

  // Assert: malicious rows first, most detections first among them, and the header says it sorts.
  const verdicts = await rows.locator('td:nth-child(4) .verdict').allInnerTexts();
  const malicious = verdicts.filter((v) => v === 'malicious').length;
  assert.ok(malicious >= 10, verdicts.join(','));
  assert.deepEqual(verdicts.slice(0, malicious), Array(malicious).fill('malicious'));
  assert.ok(!verdicts.slice(malicious).includes('malicious'), verdicts.join(','));
  const detections = (await rows.locator('td:nth-child(5)').allInnerTexts()).slice(0, malicious).map((d) => Number(d.split('/')[0]));
  assert.deepEqual(detections, [...detections].sort((a, b) => b - a));
  assert.equal(await page.locator('th[aria-sort]').getAttribute('aria-sort'), 'descending');
  assert.equal(await page.locator('th[aria-sort]').getByRole('link').getAttribute('href'), '?sort=verdict');
  await page.getByRole('link', { name: 'Verdict (sorted: most severe first)' }).waitFor();

  // Act: 50 rows a page, then back to line order.
  await page.getByRole('link', { name: '50', exact: true }).click();
  await page.waitForURL(`${reportUrl}?sort=verdict&per=50`);
  const pagers = await page.getByRole('navigation', { name: /^Pages, (above|below) the table$/ }).allInnerTexts();
  const countAt50 = await rows.count();
  await page.getByRole('link', { name: 'Line (sort: in line order)' }).click();
  await page.waitForURL(`${reportUrl}?per=50`);

  // Assert: 50 rows, a pager above and below, and line order kept at 50 a page.
  assert.equal(countAt50, 50);
  assert.deepEqual(pagers.map((p) => p.replace(/\s+/g, ' ').trim()), ['Page 1 of 2 Next →', 'Page 1 of 2 Next →']);
  assert.deepEqual(await lineNumbers(), Array.from({ length: 50 }, (_, i) => i + 1));
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('when the admin sorts the users table on a phone, then a click on a header sorts it, a second reverses it, and a page size applies', async () => {
  // Arrange
  await arrange();
  const page = await pageAt(suite.browser, PHONE, true);
  const problems = watchConsole(page);
  const users = page.locator('#admin-users tbody tr td:first-child');
  await page.goto(`${suite.app.url}/admin`);

  // Act: Email, then Email again.
  await page.locator('#admin-users').getByRole('link', { name: 'Email (sort: A to Z)' }).click();
  await page.waitForURL(`${suite.app.url}/admin?users_sort=email#admin-users`);
  const ascending = await users.allInnerTexts();
  await page.locator('#admin-users').getByRole('link', { name: 'Email (sorted: A to Z; select for Z to A)' }).click();
  await page.waitForURL(`${suite.app.url}/admin?users_sort=email&users_dir=desc#admin-users`);
  const descending = await users.allInnerTexts();
  const sort = await page.locator('#admin-users th[aria-sort]').getAttribute('aria-sort');

  // Act: 100 a page.
  await page.locator('#admin-users').getByRole('link', { name: '100', exact: true }).click();
  await page.waitForURL(`${suite.app.url}/admin?users_sort=email&users_dir=desc&users_per=100#admin-users`);
  const all = await users.allInnerTexts();

  // Assert
  assert.equal(ascending.length, 50);
  assert.deepEqual(ascending, [...ascending].sort());
  assert.deepEqual(descending, [...descending].sort().reverse());
  assert.equal(sort, 'descending');
  assert.ok(all.length > 55, `${all.length} users on one page`);
  assert.deepEqual(all.slice(0, 50), descending);
  assert.deepEqual(await page.getByRole('navigation', { name: /^Users pages/ }).count(), 0, 'one page: no pager');
  const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scrollWidth <= innerWidth, `${scrollWidth} px wide at ${innerWidth}`);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('when an analyst deletes a report and then signs out on a phone, then each action says what it did, once', async () => {
  // Arrange: an analyst of their own (signing out ends the session), with a report to delete.
  const analyst = await signedIn(suite.app);
  const doomed = await uploadHashes(analyst, [hex(32)], `To delete ${hex(3)}`);
  const page = await (await signedInContext(suite, analyst, { viewport: PHONE })).newPage();
  const problems = watchConsole(page);
  await page.goto(`${suite.app.url}/reports/${doomed}`);

  // Act: delete it (the page asks first).
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Delete report' }).click();
  await page.waitForURL(`${suite.app.url}/reports`);
  const deleted = await page.getByRole('status').filter({ hasText: 'was deleted' }).innerText();
  await page.reload();
  const afterReload = await page.getByRole('status').filter({ hasText: 'was deleted' }).count();

  // Act: sign out from the collapsed menu.
  await page.getByText('Menu', { exact: true }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login\?signed_out=1$/);

  // Assert
  assert.equal(deleted, 'The report was deleted, with all its rows.');
  assert.equal(await page.getByRole('link', { name: /^To delete / }).count(), 0, 'gone from the list');
  assert.equal(afterReload, 0, 'the notice is said once');
  assert.equal(await page.getByRole('status').innerText(), 'You are signed out.');
  assert.deepEqual(problems, []);
  await page.context().close();
});

/** Presses Tab until the focused element matches `selector`, as a keyboard user moves through the page; fails after `limit` presses. */
async function tabTo(page: Page, selector: string, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
  }
  const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
  throw new Error(`${selector} not reached with ${limit} presses of Tab; focus is on ${focused}`);
}

test('when an analyst uses only the keyboard, then the skip link, the upload and opening a row all work', async () => {
  // Arrange
  await arrange();
  const page = await pageAt(suite.browser, LAPTOP, true);
  const problems = watchConsole(page);
  const dropper = newFile(suite.app.sim, { malicious: 9, meaningfulName: 'dropper.exe' });
  await page.goto(`${suite.app.url}/reports/new`);

  // Act: the first Tab reaches the skip link, which moves focus to the page's content.
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => document.activeElement?.textContent);
  await page.keyboard.press('Enter');
  const afterSkip = await page.evaluate(() => document.activeElement?.id);

  // Act: type the list into the text box and submit with Enter on the button.
  await tabTo(page, '#hashes');
  await page.keyboard.type(`${dropper.sha256}\n${hex(20)}`);
  await tabTo(page, 'form[action="/reports"] button[type=submit]');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/reports\/[\w-]+$/);
  await page.locator('#report-status', { hasText: 'completed' }).waitFor();

  // Act: from the report, reach the first row's link and open it.
  await tabTo(page, 'table.items tbody tr:first-child a[href$="/items/1"]', 60);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/items\/1$/);

  // Assert
  assert.equal(skip, 'Skip to content');
  assert.equal(afterSkip, 'main');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), dropper.sha256);
  assert.deepEqual(problems, []);
  await page.context().close();
});
