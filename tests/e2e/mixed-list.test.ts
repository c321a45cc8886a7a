/**
 * The "done when": an analyst pastes a list mixing hashes, domains, IPs and defanged URLs,
 * and the report in the browser gives each its right verdict and facts from VirusTotal's real
 * captured answers (served by the fake).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, signedInContext, watchConsole } from '../helpers/browser.js';
import { signedIn } from '../helpers/factories.js';

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';

const suite = browserSuite({}, (app) => app.sim.setLatency(200));

test('when an analyst pastes hashes, domains, IPs and defanged URLs, then the report shows each with its verdict and facts', async () => {
  // Arrange: a signed-in browser on the upload form.
  const client = await signedIn(suite.app);
  const context = await signedInContext(suite, client);
  const page = await context.newPage();
  const problems = watchConsole(page);
  const list = [EICAR_MD5, 'google.com', 'hxxp://tawuhoju[.]com/invoice.exe', '1.1.1[.]1', '[2001:db8::1]', 'notepad.exe'].join('\n');

  // Act: paste and upload, then let the live page run to completion.
  await page.goto(`${suite.app.url}/reports/new`);
  await page.getByLabel('Hashes').fill(list);
  await page.getByLabel('Report name').fill('Mixed indicators');
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/reports\/[A-Za-z0-9_-]+$/);
  await page.locator('#report-status', { hasText: 'completed' }).waitFor({ timeout: 20_000 });
  await page.reload();
  const table = page.locator('table.items');
  const row = (text: string) => table.locator('tbody tr', { hasText: text });

  // Assert: one row per line, each with what VirusTotal said about it.
  assert.equal(await table.locator('tbody tr').count(), 6);
  assert.match(await row(EICAR_MD5).innerText(), /MD5[\s\S]*malicious[\s\S]*66 \/ 71[\s\S]*EICAR_TEST_FILE/);
  assert.match(await row('google.com').innerText(), /Domain[\s\S]*not suspicious[\s\S]*1 \/ 94[\s\S]*clean[\s\S]*448[\s\S]*search engines/);
  const tawuhoju = await row('tawuhoju').innerText();
  assert.match(tawuhoju, /hxxp:\/\/tawuhoju\[\.\]com\/invoice\.exe[\s\S]*looked up as tawuhoju\.com/);
  assert.match(tawuhoju, /Domain[\s\S]*suspicious[\s\S]*6 \/ 93[\s\S]*malware[\s\S]*-37[\s\S]*malicious web sites/);
  assert.match(await row('1.1.1[.]1').innerText(), /looked up as 1\.1\.1\.1[\s\S]*IP address[\s\S]*not suspicious[\s\S]*4 \/ 94[\s\S]*134[\s\S]*CLOUDFLARENET/);
  assert.match(await row('2001:db8::1').innerText(), /IP address[\s\S]*not found/);
  assert.match(await row('notepad.exe').innerText(), /invalid/);
  assert.equal(await table.locator('a[href="https://www.virustotal.com/gui/domain/tawuhoju.com"]').count(), 1);
  assert.equal(await table.locator('a[href="https://www.virustotal.com/gui/ip-address/1.1.1.1"]').count(), 1);
  assert.match(await page.getByRole('link', { name: /^Not suspicious\s+2$/ }).innerText(), /2/);
  await page.screenshot({ path: 'test-results/mixed-list-report.png', fullPage: true });

  // Act: open the defanged URL's row.
  await row('tawuhoju').getByRole('link', { name: 'hxxp://tawuhoju[.]com/invoice.exe' }).click();
  await page.waitForURL(/\/items\/\d+$/);

  // Assert: the domain's own page, with every engine VirusTotal listed.
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Domain\s+tawuhoju\.com/);
  assert.equal(await page.locator('table.engines tbody tr').count(), 92);
  assert.match(await page.locator('table.engines tbody tr', { hasText: 'Fortinet' }).innerText(), /malicious[\s\S]*malware/);
  await page.screenshot({ path: 'test-results/mixed-list-domain.png', fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
