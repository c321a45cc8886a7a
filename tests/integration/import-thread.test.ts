/**
 * A big upload is written where it holds nobody up: on SQLite on a thread of its own with a second
 * connection to the file, in short transactions, its cache hits answered and its jobs queued a range of
 * lines at a time. Meanwhile other users sign in and upload (writes on the app's own connection, which
 * must wait for the lock, never fail with SQLITE_BUSY), and the report comes out exactly as one
 * transaction would have made it, its kept counts too. A big list with nothing to look up is refused as a small one is.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { reportIdFrom, waitFor } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';
import { uniqueEmail } from '../helpers/http-client.js';

/** Lines of the big list: far over the size written on a thread (256 KB), in many transactions. */
const LINES = 40_000;
const sha256Of = (i: number) => createHash('sha256').update(`big upload ${i}`).digest('hex');
/** Lines whose value the cache already knows: the first, one in the middle, the last. */
const CACHED = [1, LINES / 2, LINES];
const isInvalid = (line: number) => line % 1000 === 7;

describe('a big upload written while others use the app', () => {
  const app = appSuite({ noKey: true });

  test('when a list of 40,000 lines is uploaded while another user signs in and uploads, then both succeed and the big report has every row, its cache hits answered and one job per other value', async () => {
    // Arrange
    const now = Date.now();
    for (const line of CACHED) {
      await app.db.run("INSERT INTO cache_entries (key, verdict, sha256, malicious, fetched_at) VALUES (?, 'malicious', ?, 5, ?)", sha256Of(line), sha256Of(line), now);
      await app.db.run('INSERT INTO cache_aliases (hash, entry_key) VALUES (?, ?)', sha256Of(line), sha256Of(line));
    }
    const email = uniqueEmail();
    const uploader = await signedIn(app, email);
    const text = Array.from({ length: LINES }, (_, k) => (isInvalid(k + 1) ? `not a value ${k + 1}` : sha256Of(k + 1))).join('\n');

    // Act: the big upload; once its rows are being written, another user signs in and uploads.
    const bigUpload = uploader.upload({ file: { name: 'big.txt', content: text } });
    await waitFor(
      () => app.db.row("SELECT 1 FROM reports r JOIN users u ON u.id = r.user_id WHERE u.email = ? AND r.state = 'importing' AND EXISTS (SELECT 1 FROM report_items i WHERE i.report_id = r.id)", email),
      'the big upload writing its rows',
      60_000,
    );
    const other = await signedIn(app);
    const small = [hex(32), hex(32)];
    const smallId = await uploadHashes(other, small);
    const response = await bigUpload;

    // Assert
    assert.equal(response.status, 303, response.html.slice(0, 300));
    const bigId = reportIdFrom(response);
    const invalid = Array.from({ length: LINES }, (_, k) => k + 1).filter(isInvalid).length;
    const report = await app.db.row<{ state: string; total: number }>('SELECT state, total FROM reports WHERE id = ?', bigId);
    assert.deepEqual({ state: report?.state, total: Number(report?.total) }, { state: 'active', total: LINES });
    const byStatus = await app.db.rows<{ status: string; n: number }>('SELECT status, count(*) AS n FROM report_items WHERE report_id = ? GROUP BY status ORDER BY status', bigId);
    assert.deepEqual(
      byStatus.map((r) => ({ status: r.status, n: Number(r.n) })),
      [
        { status: 'found', n: CACHED.length },
        { status: 'invalid', n: invalid },
        { status: 'pending', n: LINES - invalid - CACHED.length },
      ],
    );
    const kept = await app.db.row<Record<string, number>>('SELECT total, pending, malicious, invalid FROM report_counts WHERE report_id = ?', bigId);
    assert.deepEqual(
      Object.fromEntries(Object.entries(kept ?? {}).map(([k, v]) => [k, Number(v)])),
      { total: LINES, pending: LINES - invalid - CACHED.length, malicious: CACHED.length, invalid },
      'the kept counts (the report page reads them) match the rows',
    );
    const cached = await app.db.rows<{ line: number; verdict: string; from_cache: number }>(
      "SELECT line, verdict, from_cache FROM report_items WHERE report_id = ? AND status = 'found' ORDER BY line",
      bigId,
    );
    assert.deepEqual(cached.map((r) => ({ line: r.line, verdict: r.verdict, fromCache: Number(r.from_cache) })), CACHED.map((line) => ({ line, verdict: 'malicious', fromCache: 1 })));
    const jobs = await app.db.row<{ n: number }>(
      "SELECT count(*) AS n FROM lookup_jobs j WHERE EXISTS (SELECT 1 FROM report_items i WHERE i.report_id = ? AND i.hash = j.hash AND i.status = 'pending')",
      bigId,
    );
    assert.equal(Number(jobs?.n), LINES - invalid - CACHED.length, 'one job per pending value');
    const cachedJobs = await app.db.row<{ n: number }>(`SELECT count(*) AS n FROM lookup_jobs WHERE hash IN (${CACHED.map(() => '?').join(', ')})`, ...CACHED.map(sha256Of));
    assert.equal(Number(cachedJobs?.n), 0, 'no job for a value the cache answered');
    const smallRows = await app.db.rows<{ input: string }>('SELECT input FROM report_items WHERE report_id = ? ORDER BY line', smallId);
    assert.deepEqual(smallRows.map((r) => r.input), small);
  });

  test('when a big list holds no valid value, then the form says so and no report is left', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);
    const text = Array.from({ length: 20_000 }, (_, k) => `just a note, line ${k + 1}`).join('\n');

    // Act
    const response = await client.upload({ file: { name: 'notes.txt', content: text } });

    // Assert
    assert.equal(response.status, 422);
    assert.match(response.html, /No valid hash, domain or IP address was found/);
    const left = await app.db.row<{ n: number }>('SELECT count(*) AS n FROM reports r JOIN users u ON u.id = r.user_id WHERE u.email = ?', email);
    assert.equal(Number(left?.n), 0);
  });
});
