/**
 * The report page keeps its rows' HTML per instance (reports/report-rows.ts). What is kept must
 * never outlive a change to a row, whether or not its verdict changed, and never reach another user.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, waitForCompletion, type TestApp } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { tableRows, textOf } from '../helpers/page.js';

/** Line 1's row of the report page, as text. */
async function firstRow(client: HttpClient, reportId: string): Promise<string> {
  const page = await client.get(`/reports/${reportId}`);
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.html, /\u0001/, 'an age mark was left in the page');
  return textOf(tableRows(page.html)[0] ?? '');
}

/** Forces a new lookup of line 1 and waits until its row holds the answer named `name`. */
async function refreshLineOne(app: TestApp, client: HttpClient, reportId: string, name: string): Promise<void> {
  const path = `/reports/${reportId}/items/1/refresh`;
  assert.equal((await client.postForm(path, {}, path)).status, 303);
  await waitFor(
    async () => (await app.db.row<{ meaningful_name: string; status: string }>('SELECT meaningful_name, status FROM report_items WHERE report_id = ? AND line = 1', reportId))?.meaningful_name === name,
    `line 1 to hold ${name}`,
  );
  await waitForCompletion(client, reportId);
}

describe("the report page's kept rows", () => {
  const app = appSuite();

  test('when a row gets a new answer with the same verdict, then the next view of the page shows the new answer', async () => {
    // Arrange: a finished report viewed twice, so its rows are kept
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 3, meaningfulName: 'first-name.exe' });
    const id = await uploadHashes(client, [file.md5]);
    await waitForCompletion(client, id);
    await firstRow(client, id);
    const before = await firstRow(client, id);
    assert.match(before, /malicious 3 \/ \d+ .*first-name\.exe/);

    // Act: VirusTotal's answer changes (more engines, a new name), the verdict stays malicious
    app.sim.addFile({ ...file, malicious: 5, meaningfulName: 'second-name.exe' });
    await refreshLineOne(app, client, id, 'second-name.exe');
    const after = await firstRow(client, id);

    // Assert
    assert.match(after, /malicious 5 \/ \d+ .*second-name\.exe/);
    assert.doesNotMatch(after, /first-name/);
  });

  test('when a lookup answer changes a row\'s verdict, then the next view of the page shows the new verdict', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 0, meaningfulName: 'harmless.exe' });
    const id = await uploadHashes(client, [file.sha256]);
    await waitForCompletion(client, id);
    assert.match(await firstRow(client, id), /^1 .* clean 0 \//);

    // Act
    app.sim.addFile({ ...file, malicious: 4, meaningfulName: 'not-so-harmless.exe' });
    await refreshLineOne(app, client, id, 'not-so-harmless.exe');

    // Assert
    assert.match(await firstRow(client, id), /^1 .* malicious 4 \/ \d+ .*not-so-harmless\.exe/);
  });

  test('when two users have reports of the same rows, then each page links only to its own report and the other report stays out of reach', async () => {
    // Arrange: the same file in both reports (the second answered from the shared cache)
    const alice = await signedIn(app);
    const bob = await signedIn(app);
    const file = newFile(app.sim, { malicious: 2 });
    const alicesReport = await uploadHashes(alice, [file.md5], 'Same rows');
    await waitForCompletion(alice, alicesReport);
    const bobsReport = await uploadHashes(bob, [file.md5], 'Same rows');
    await waitForCompletion(bob, bobsReport);

    // Act: each views their page twice (the second view is served from what the first kept)
    const pages: Record<string, string[]> = { alice: [], bob: [] };
    for (let i = 0; i < 2; i++) {
      pages.alice!.push((await alice.get(`/reports/${alicesReport}`)).html);
      pages.bob!.push((await bob.get(`/reports/${bobsReport}`)).html);
    }
    const bobPeeks = await bob.get(`/reports/${alicesReport}`);

    // Assert
    for (const html of pages.alice!) {
      assert.match(html, new RegExp(`href="/reports/${alicesReport}/items/1"`));
      assert.doesNotMatch(html, new RegExp(bobsReport));
    }
    for (const html of pages.bob!) {
      assert.match(html, new RegExp(`href="/reports/${bobsReport}/items/1"`));
      assert.doesNotMatch(html, new RegExp(alicesReport));
    }
    assert.equal(bobPeeks.status, 404);
    assert.doesNotMatch(bobPeeks.html, new RegExp(alicesReport));
  });
});
