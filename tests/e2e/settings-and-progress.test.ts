/**
 * Settings answers where the analyst looks (the new token at the top, focused), and a report served by
 * the shared key while the analyst's own key is refused shows a working estimate, with the refused
 * key's banner appearing live, without a reload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, signedInContext, watchConsole } from '../helpers/browser.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { TOKEN_PATTERN } from '../helpers/api-client.js';

// A real minute and a 4-a-minute shared key: the report stays running while the browser watches it.
const suite = browserSuite({ minuteMs: 60_000, simKey: { perMinute: 4, perDay: 1000 }, env: { VT_RATE_PER_MINUTE: '4', VT_RATE_PER_DAY: '1000' } });
const LAPTOP = { viewport: { width: 1366, height: 768 } };

test('when an analyst creates an API token, then the page opens on it: visible without scrolling, focused, with a copy button', async () => {
  // Arrange
  const client = await signedIn(suite.app);
  const context = await signedInContext(suite, client, LAPTOP);
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(`${suite.app.url}/settings`);

  // Act
  await page.getByLabel('Name of a new token').fill('SOAR playbook');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.waitForURL(/\/settings\?token=created/);
  const box = page.locator('#new-token');
  await box.waitFor();
  const focused = await page.evaluate(() => document.activeElement?.id);
  const rect = await box.boundingBox();
  const token = TOKEN_PATTERN.exec(await box.innerText())?.[0];

  // Assert
  assert.equal(focused, 'new-token', 'the token box has the focus');
  assert.ok(rect && rect.y >= 0 && rect.y + rect.height <= 768, `the box is in view without scrolling (${JSON.stringify(rect)})`);
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the page did not have to scroll');
  assert.ok(token, 'the token is shown');
  assert.equal(await box.getByRole('button', { name: 'Copy' }).getAttribute('data-copy'), token);
  assert.deepEqual(problems, []);
  await context.close();
});

test('when the analyst\'s own key is refused while the shared key works, then the report shows an estimate and the banner appears without a reload', async () => {
  // Arrange: a personal key that works when saved, then is revoked on VirusTotal's site
  const personal = hex(32);
  suite.app.sim.addKey(personal, { perMinute: 4, perDay: 500 });
  const client = await signedIn(suite.app);
  const saved = await client.postForm('/settings/api-key', { key: personal, perMinute: '4', perDay: '500', useShared: 'on' }, '/settings');
  assert.equal(saved.status, 303);
  suite.app.sim.revokeKey(personal);
  // VirusTotal's answers wait until the page is open, so the refusal arrives while the analyst watches.
  suite.app.sim.hold();
  const id = await uploadHashes(client, Array.from({ length: 5 }, () => newFile(suite.app.sim).sha256));
  const context = await signedInContext(suite, client, LAPTOP);
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(`${suite.app.url}/reports/${id}`);
  const bannerBefore = await page.locator('#lookup-banner').innerText();
  await page.evaluate(() => { (window as unknown as { stayed: boolean }).stayed = true; });

  // Act
  suite.app.sim.release();
  const banner = page.locator('#lookup-banner .banner-wrong_key');
  await banner.waitFor({ timeout: 20_000 });
  await page.locator('#report-key-notice').waitFor({ timeout: 20_000 });
  const eta = await page.locator('#report-eta').innerText();
  const stayed = await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);
  const bannerText = await banner.innerText();

  // Assert
  assert.equal(bannerBefore.trim(), '', 'no banner when the page opened');
  assert.equal(stayed, true, 'the page was not reloaded');
  assert.match(bannerText, new RegExp(`VirusTotal refused your API key …${personal.slice(-4)}: the key is incorrect\\. Check it in Settings\\.`));
  assert.doesNotMatch(bannerText, /Error\b/, 'no class name');
  assert.match(eta, /Estimated finish:/, 'an estimate from the shared key');
  assert.doesNotMatch(eta, /No estimate/);
  assert.deepEqual(problems, []);
  await context.close();
});
