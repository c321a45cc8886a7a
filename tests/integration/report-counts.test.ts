/**
 * A report's kept counts (report_counts, filled by database triggers) against a fresh count of its
 * rows, after every way rows change: uploads, lookups answering rows of two reports that share
 * files, failures, a refresh, batched deletes, and multi-row statements written straight in SQL
 * (as an import by INSERT … SELECT or COPY writes them).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, waitForCompletion, reportStatus, type TestApp } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';

const VERDICTS = ['pending', 'malicious', 'suspicious', 'clean', 'not_suspicious', 'not_found', 'invalid', 'error'] as const;
const HOUR_MS = 3_600_000;

/** The kept counts of `reportId`, by verdict and in total (zeroes included); undefined without a counts row. */
async function keptCounts(app: TestApp, reportId: string): Promise<Record<string, number> | undefined> {
  const row = await app.db.row<Record<string, unknown>>(`SELECT total, ${VERDICTS.join(', ')} FROM report_counts WHERE report_id = ?`, reportId);
  return row && Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

/** The same figures counted from the rows themselves, by a GROUP BY. */
async function countedCounts(app: TestApp, reportId: string): Promise<Record<string, number>> {
  const rows = await app.db.rows<{ verdict: string; n: number }>('SELECT verdict, count(*) AS n FROM report_items WHERE report_id = ? GROUP BY verdict', reportId);
  const counts: Record<string, number> = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
  for (const row of rows) counts[row.verdict] = Number(row.n);
  return { total: rows.reduce((sum, r) => sum + Number(r.n), 0), ...counts };
}

/** Each report's kept counts equal a fresh count of its rows. */
async function assertCountsMatchRows(app: TestApp, reportIds: string[], when: string): Promise<void> {
  for (const id of reportIds) assert.deepEqual(await keptCounts(app, id), await countedCounts(app, id), `${when}: report ${id}`);
}

describe('counts kept by the database', () => {
  const app = appSuite({ env: { CACHE_TTL_HOURS: '1' } });

  test('when two reports sharing files are uploaded, answered, failed, refreshed and deleted, then their kept counts always equal a count of their rows', async () => {
    // Arrange: two reports that share three files, each with rows of its own.
    const client = await signedIn(app);
    const shared = [newFile(app.sim, { malicious: 4 }), newFile(app.sim, { malicious: 0 })];
    const own = newFile(app.sim, { suspicious: 2, malicious: 0 });
    const failing = newFile(app.sim);

    // Act and assert, step by step.
    const first = await uploadHashes(client, [shared[0]!.sha256, shared[1]!.md5, 'not a hash', hex(32), own.sha1], 'First');
    await waitForCompletion(client, first);
    await assertCountsMatchRows(app, [first], 'one report answered by lookups');

    app.sim.failNext(3, '503');
    const second = await uploadHashes(client, [failing.md5, shared[0]!.md5, shared[1]!.sha1, own.sha256, 'again not a hash'], 'Second');
    await waitForCompletion(client, second);
    await assertCountsMatchRows(app, [first, second], 'a second report from the cache and a failed lookup');
    assert.equal((await keptCounts(app, second))?.error, 1, 'the failed row is counted as an error');
    assert.equal((await reportStatus(client, second)).counts.malicious, 1, 'status.json reads the kept counts');

    // A refresh sets answered rows back to pending and answers them again.
    await app.db.run('UPDATE report_items SET looked_up_at = looked_up_at - ? WHERE report_id = ?', 2 * HOUR_MS, second);
    await app.db.run('UPDATE cache_entries SET fetched_at = fetched_at - ?', 2 * HOUR_MS);
    await client.postForm(`/reports/${second}/refresh`, {});
    await waitForCompletion(client, second);
    await assertCountsMatchRows(app, [first, second], 'after a refresh');

    // Multi-row statements written straight in SQL: every row of a report at once, and back.
    await app.db.run("UPDATE report_items SET verdict = 'pending' WHERE report_id = ? AND verdict <> 'invalid'", first);
    await assertCountsMatchRows(app, [first, second], 'after one statement set a report pending');
    await app.db.run("UPDATE report_items SET verdict = CASE WHEN line % 2 = 0 THEN 'clean' ELSE 'malicious' END WHERE report_id = ? AND verdict = 'pending'", first);
    await assertCountsMatchRows(app, [first, second], 'after one statement gave two verdicts');
    await app.db.run('DELETE FROM report_items WHERE report_id = ? AND line > 2', first);
    await assertCountsMatchRows(app, [first, second], 'after a multi-row delete');

    // Deleting a report deletes its rows a batch at a time, then the report: its counts row goes with it.
    const deleted = await client.postForm(`/reports/${first}/delete`, {});
    assert.equal(deleted.status, 303);
    await waitFor(async () => (await keptCounts(app, first)) === undefined, 'the deleted report has no counts row');
    await assertCountsMatchRows(app, [second], 'the other report after the deletion');
  });

  test('when rows are inserted by one multi-row statement, then the counts move by the whole statement', async () => {
    // Arrange
    const client = await signedIn(app);
    const id = await uploadHashes(client, [hex(16)], 'Small');
    await waitForCompletion(client, id);
    const values = Array.from({ length: 300 }, (_, i) => [id, 100 + i, `row ${i}`, `value-${i}`, 'md5', i % 3 === 0 ? 'pending' : 'found', ['pending', 'malicious', 'clean'][i % 3]!] as const);

    // Act
    await app.db.insertRows('report_items', ['report_id', 'line', 'input', 'hash', 'hash_type', 'status', 'verdict'], values);

    // Assert
    assert.deepEqual(await keptCounts(app, id), { total: 301, pending: 100, malicious: 100, suspicious: 0, clean: 100, not_suspicious: 0, not_found: 1, invalid: 0, error: 0 });
    await assertCountsMatchRows(app, [id], 'after a multi-row insert');
  });
});
