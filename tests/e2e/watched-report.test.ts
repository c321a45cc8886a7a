/**
 * Watched reports in a real browser: the report page's "Watch this report" button starts watching,
 * a re-check that changes a row shows on the Changes page with before and after, and both pages pass
 * axe-core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { browserSuite, signedInContext, watchConsole } from '../helpers/browser.js';
import { waitForCompletion } from '../helpers/test-app.js';
import { newFile, signedIn, uploadHashes } from '../helpers/factories.js';

const DAY_AND_AN_HOUR = 25 * 3_600_000;
const suite = browserSuite({ tuning: { watchPollMs: 24 * 3_600_000 } });

async function axeViolations(page: import('playwright-core').Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('when an analyst watches a report and a re-check turns a clean file malicious, then the Changes page shows it before and after, and both pages pass axe-core', async () => {
  // Arrange
  const { app } = suite;
  const client = await signedIn(app);
  const file = newFile(app.sim, { malicious: 0 });
  const id = await uploadHashes(client, [file.md5], 'Watched in a browser');
  await waitForCompletion(client, id);
  const page = await (await signedInContext(suite, client, { viewport: { width: 1366, height: 768 } })).newPage();
  const problems = watchConsole(page);
  await page.goto(`${app.url}/reports/${id}`);

  // Act: watch it.
  await page.getByRole('button', { name: 'Watch this report' }).click();
  await page.waitForURL(`${app.url}/reports/${id}`);

  // Assert
  await page.getByRole('button', { name: 'Stop watching' }).waitFor();
  assert.deepEqual(await axeViolations(page), [], 'the report page with its watch button');

  // Act: a day later VirusTotal says otherwise; the re-check runs.
  app.sim.addFile({ ...file, malicious: 9 });
  await app.db.run('UPDATE cache_entries SET fetched_at = fetched_at - ? WHERE key IN (SELECT a.entry_key FROM cache_aliases a JOIN report_items i ON i.hash = a.hash WHERE i.report_id = ?)', DAY_AND_AN_HOUR, id);
  await app.db.run('UPDATE report_items SET looked_up_at = looked_up_at - ? WHERE report_id = ?', DAY_AND_AN_HOUR, id);
  await app.db.run('UPDATE report_watches SET next_check_at = next_check_at - ? WHERE report_id = ?', DAY_AND_AN_HOUR, id);
  await app.runtime.watch.tick();
  await app.runtime.scheduler.whenIdle();
  await app.runtime.watch.tick();
  await page.reload();
  await page.getByRole('link', { name: 'Changes (1)' }).click();
  await page.waitForURL(`${app.url}/reports/${id}/changes`);

  // Assert
  const row = page.getByRole('row').filter({ hasText: file.md5 });
  assert.match(await row.innerText(), /verdict changed, more detections\s+clean, 0 detections\s+malicious, 9 detections/);
  assert.deepEqual(await axeViolations(page), [], 'the Changes page');
  assert.deepEqual(problems, []);
});
