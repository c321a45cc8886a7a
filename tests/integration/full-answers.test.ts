import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { evictExpiredCache } from '../../src/lookups/cache-eviction.js';
import { waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { newFile, signedIn, uploadHashes } from '../helpers/factories.js';

const DAY_MS = 86_400_000;

describe("VirusTotal's whole answer", () => {
  const app = appSuite();

  /** The stored answer behind a report's row for `hash`, unzipped, or null. */
  async function storedAnswer(reportId: string, hash: string): Promise<Record<string, unknown> | null> {
    const row = (await app.db.row('SELECT a.body_gzip AS body FROM report_items i JOIN vt_answers a ON a.id = i.answer_id WHERE i.report_id = ? AND i.hash = ?', reportId, hash)) as { body: Buffer } | undefined;
    return row ? (JSON.parse(gunzipSync(row.body).toString('utf8')) as Record<string, unknown>) : null;
  }

  const answers = async () => ((await app.db.row('SELECT count(*) AS n FROM vt_answers')) as { n: number }).n;

  test('when a file is looked up, then its report keeps the whole answer, through cache eviction, until the report is deleted', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 5 });
    const id = await uploadHashes(client, [file.md5]);
    await waitForCompletion(client, id);
    const again = await uploadHashes(client, [file.sha256]);
    await waitForCompletion(client, again);
    const before = await answers();

    // Act
    const first = await storedAnswer(id, file.md5);
    const fromCache = await storedAnswer(again, file.sha256);
    await evictExpiredCache(app.runtime.database.db, DAY_MS, Date.now() + DAY_MS + 1);
    const afterEviction = await storedAnswer(id, file.md5);
    assert.equal((await client.postForm(`/reports/${id}/delete`, {}, `/reports/${id}`)).status, 303);
    assert.equal((await client.postForm(`/reports/${again}/delete`, {}, `/reports/${again}`)).status, 303);
    await evictExpiredCache(app.runtime.database.db, DAY_MS, Date.now() + DAY_MS + 1);

    // Assert
    const data = (first?.data ?? {}) as { id?: string; attributes?: { last_analysis_results?: Record<string, unknown>; last_analysis_stats?: { malicious?: number } } };
    assert.equal(data.id, file.sha256, 'the answer as VirusTotal gave it');
    assert.equal(data.attributes?.last_analysis_stats?.malicious, 5);
    assert.ok(Object.keys(data.attributes?.last_analysis_results ?? {}).length > 5, 'every engine is kept');
    assert.deepEqual(fromCache, first, 'a cache hit points at the same answer');
    assert.equal(before, 1, 'one stored answer for one fetch');
    assert.deepEqual(afterEviction, first, 'eviction does not take a report\'s answer');
    assert.equal(await answers(), 0, 'an answer nobody points at is deleted');
  });
});
