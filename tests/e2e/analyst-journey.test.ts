import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { browserSuite, watchConsole } from '../helpers/browser.js';
import { uniqueEmail } from '../helpers/http-client.js';

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';
const DLL_SHA256 = '4bc00f7d638e042da764e8648c03c0db46700599dd4f08d117e3e9e8b538519b';
const PASSWORD = 'a long enough passphrase';

// The fake answers slowly so the page is seen while running, then completing on its own.
const suite = browserSuite({ generate: true }, (app) => app.sim.setLatency(400));

async function register(page: Page, email: string): Promise<void> {
  await page.goto(`${suite.app.url}/register`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/reports\/new$/);
}

test('when a new analyst uploads a hash file, then the report completes in the browser and the CSV downloads', async () => {
  const context = await suite.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const problems = watchConsole(page);

  await register(page, uniqueEmail('e2e'));
  const list = [EICAR_MD5, 'this line is not a hash', DLL_SHA256, 'ab'.repeat(32)].join('\n');
  await page.getByLabel('Hash file').setInputFiles({ name: 'incident-42.txt', mimeType: 'text/plain', buffer: Buffer.from(list) });
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/reports\/[A-Za-z0-9_-]+$/);
  const reportUrl = page.url();

  await assert.doesNotReject(page.getByRole('heading', { name: 'incident-42.txt' }).waitFor());
  // No reload here: the page's own script brings it to completion.
  await page.locator('#report-status', { hasText: 'completed' }).waitFor({ timeout: 20_000 });
  const table = page.locator('table.items');
  await table.getByText('EICAR_TEST_FILE').waitFor();
  assert.equal(await table.locator('tbody tr').count(), 4);
  assert.match(await table.locator('tr', { hasText: EICAR_MD5 }).innerText(), /malicious[\s\S]*66 \/ 71/);
  assert.match(await table.locator('tr', { hasText: 'this line is not a hash' }).innerText(), /invalid/);
  const vtLink = table.locator(`a[href="https://www.virustotal.com/gui/file/${DLL_SHA256}"]`);
  assert.equal(await vtLink.count(), 1);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  const csv = await readFile((await download.path()) ?? '', 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines[0]?.split(',')[0], 'line');
  assert.equal(lines.length, 5, csv);
  assert.ok(lines.some((l) => l.includes(EICAR_MD5) && l.includes('EICAR_TEST_FILE')), csv);

  await page.screenshot({ path: 'test-results/report-completed.png', fullPage: true });
  assert.deepEqual(problems, []);

  // A second analyst cannot open the first one's report.
  const other = await suite.browser.newContext();
  const otherPage = await other.newPage();
  await register(otherPage, uniqueEmail('e2e-other'));
  const response = await otherPage.goto(reportUrl);
  assert.equal(response?.status(), 404);
  await otherPage.getByRole('heading', { name: 'Not found' }).waitFor();
  assert.equal(await otherPage.getByText('incident-42.txt').count(), 0);
  assert.equal(await otherPage.getByText(EICAR_MD5).count(), 0);

  await other.close();
  await context.close();
});

test('when the analyst logs out, then the report page asks for a login again', async () => {
  const context = await suite.browser.newContext();
  const page = await context.newPage();
  await register(page, uniqueEmail('e2e-logout'));
  await page.getByLabel('Hashes').fill(EICAR_MD5);
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/reports\/[A-Za-z0-9_-]+$/);
  const reportUrl = page.url();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login\?signed_out=1$/);
  await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
  await page.goto(reportUrl);
  await page.waitForURL(/\/login\?next=/);
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  await context.close();
});
