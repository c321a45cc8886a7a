import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appIdle, sameDatabase, startTestApp, waitForCompletion, type TestApp } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { apiCall, createApiToken } from '../helpers/api-client.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';

// Forcing a refresh spends the quota every analyst shares: FORCED_REFRESHES_PER_DAY caps one user's day.

const status = async (app: TestApp, reportId: string, line: number) =>
  (await app.db.row<{ status: string }>('SELECT status FROM report_items WHERE report_id = ? AND line = ?', reportId, line))?.status;

/** Opens the row's confirm page (for its CSRF token) and posts the force refresh. */
async function force(client: HttpClient, reportId: string, line: number) {
  const path = `/reports/${reportId}/items/${line}/refresh`;
  return client.postForm(path, {}, path);
}

/** A signed-in user's completed report of `count` new files; returns the report and the files. */
async function completedReport(app: TestApp, client: HttpClient, count: number) {
  const files = Array.from({ length: count }, () => newFile(app.sim));
  const id = await uploadHashes(client, files.map((f) => f.md5));
  await waitForCompletion(client, id);
  return { id, files };
}

describe('the daily cap on forced refreshes', () => {
  test('when a user forces more rows than FORCED_REFRESHES_PER_DAY, then the next gets a 429 page with Retry-After and spends nothing, even after a restart', async () => {
    // Arrange
    const env = { FORCED_REFRESHES_PER_DAY: '2' };
    const first = await startTestApp({ env });
    let second: TestApp | null = null;
    try {
      const email = uniqueEmail();
      const client = await signedIn(first, email);
      const { id, files } = await completedReport(first, client, 3);

      // Act
      const allowed = [await force(client, id, 1), await force(client, id, 2)];
      const refused = await force(client, id, 3);
      await appIdle(first);
      await first.stopApp();
      second = await startTestApp({ env, sim: first.sim, ...sameDatabase(first) });
      const again = second.client();
      await again.login(email);
      const refusedAfterRestart = await force(again, id, 3);

      // Assert
      assert.deepEqual(allowed.map((r) => r.status), [303, 303]);
      for (const answer of [refused, refusedAfterRestart]) {
        assert.equal(answer.status, 429);
        assert.match(answer.html, /used today&#39;s 2 forced refreshes on the shared VirusTotal quota/);
        const retryAfter = Number(answer.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 86_400, `Retry-After ${retryAfter} s points at 00:00 UTC`);
      }
      assert.equal(await status(second, id, 3), 'found', 'the refused row was not sent back to the queue');
      assert.equal(first.sim.callsFor(files[2]!.sha256), 1, 'no call for the refused row');
      assert.equal(first.sim.callsFor(files[0]!.sha256), 2, 'the allowed ones were asked again');
    } finally {
      await second?.stop();
      await first.stop();
    }
  });

  describe('with a cap of 1', () => {
    const app = appSuite({ env: { FORCED_REFRESHES_PER_DAY: '1' } });

    test('when the API forces a value, then a second forced refresh that day is a JSON 429, from the API or the browser, and nothing is queued', async () => {
      // Arrange
      const client = await signedIn(app);
      const { id, files } = await completedReport(app, client, 2);
      const token = await createApiToken(client);
      const refresh = (value: string) =>
        apiCall(app.url, token, '/api/v1/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });

      // Act
      const allowed = await refresh(files[0]!.md5);
      const refused = await refresh(files[1]!.md5);
      const refusedBody = (await refused.json()) as { error: { code: string; message: string } };
      const refusedInBrowser = await force(client, id, 2);
      await appIdle(app);

      // Assert
      assert.equal(allowed.status, 202);
      assert.equal(refused.status, 429);
      assert.equal(refusedBody.error.code, 'rate_limited');
      assert.match(refusedBody.error.message, /forced refreshes/);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal(refusedInBrowser.status, 429, 'the browser and the API share one count');
      assert.equal(app.sim.callsFor(files[1]!.sha256), 1, 'the refused value was not asked again');
      assert.equal(await status(app, id, 2), 'found');
    });

    test('when only the user\'s own key serves them, then their forced refreshes are not counted against the shared quota', async () => {
      // Arrange: a report answered by the shared key, then the user's own key without the shared ones
      const client = await signedIn(app);
      const { id } = await completedReport(app, client, 2);
      const saved = await client.postForm('/settings/api-key', { key: hex(32), perMinute: '4', perDay: '500' }, '/settings');
      assert.equal(saved.status, 303, 'the personal key was saved (shared keys unticked)');

      // Act
      const answers = [await force(client, id, 1), await force(client, id, 2)];

      // Assert
      assert.deepEqual(answers.map((r) => r.status), [303, 303]);
      assert.deepEqual([await status(app, id, 1), await status(app, id, 2)], ['pending', 'pending']);
    });
  });
});
