/**
 * A big upload's cache hits are answered and its jobs queued a range of lines per transaction, while
 * the report is still invisible; a last transaction makes it visible. A crash (SIGKILL) in between must
 * leave an invisible report that the next start deletes, whose queued jobs never cost a call, or a
 * complete visible report: never half a report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSharedDatabase, TEST_KEY, waitFor, waitForCompletion } from '../helpers/test-app.js';
import { openTestDatabase } from '../helpers/test-database.js';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';
import { freePort, startChildApp, type ChildApp } from '../helpers/child-app.js';
import { hex, uploadHashes } from '../helpers/factories.js';
import { startVtSimulator } from '../../scripts/vt-simulator/simulator.js';

const LINES = 100_000;
const sha256Of = (i: number) => createHash('sha256').update(`crashed upload ${i}`).digest('hex');

test('when the app is killed while a big upload queues its jobs, then after the restart the report is gone and none of its values is looked up, or it is complete', async (t) => {
  // Arrange
  const sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 1000, perDay: 100_000 } }, minuteMs: 1000, generate: true });
  t.after(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-import-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const database = await createSharedDatabase(dir);
  t.after(() => database.release());
  const port = await freePort();
  const start = () => startChildApp(database.databasePath, sim.url, { port, env: database.databaseEnv });
  let child: ChildApp = await start();
  t.after(() => child.kill());
  const uploader = new HttpClient(child.url);
  const email = uniqueEmail('crash');
  assert.equal((await uploader.register(email)).status, 303);
  const values = Array.from({ length: LINES }, (_, k) => sha256Of(k + 1));
  const db = openTestDatabase(database.databaseUrl ?? database.databasePath);
  t.after(() => db.close());

  // Act: kill once the upload has queued jobs while its report is still invisible (or, if the poll
  // comes too late, once it is visible).
  const upload = uploader.upload({ file: { name: 'big.txt', content: values.join('\n') } }).catch(() => null);
  const seen = await waitFor(
    async () => {
      const row = await db.row<{ state: string; jobs: number }>(
        'SELECT r.state, (SELECT count(*) FROM lookup_jobs) AS jobs FROM reports r JOIN users u ON u.id = r.user_id WHERE u.email = ?',
        email,
      );
      return row && (row.state !== 'importing' || Number(row.jobs) > 0) ? row.state : null;
    },
    'the upload queueing its jobs',
    120_000,
  );
  await child.kill();
  await upload;
  await db.close();
  child = await start();
  // Another user's list, looked up to the end: the dispatcher has run since the restart.
  const other = new HttpClient(child.url);
  assert.equal((await other.register(uniqueEmail('after'))).status, 303);
  const small = [hex(32), hex(32)];
  await waitForCompletion(other, await uploadHashes(other, small), 30_000);

  // Assert
  const report = await db.row<{ id: string; state: string; total: number }>(
    'SELECT r.id, r.state, r.total FROM reports r JOIN users u ON u.id = r.user_id WHERE u.email = ?',
    email,
  );
  const asked = new Set(sim.calls.map((call) => call.hash));
  t.diagnostic(report === undefined ? `killed with the report ${seen}: deleted at start` : `killed with the report ${seen}: kept`);
  if (report === undefined) {
    const rows = await db.row<{ n: number }>(`SELECT count(*) AS n FROM report_items WHERE hash IN (?, ?, ?)`, values[0]!, values[LINES / 2]!, values[LINES - 1]!);
    assert.equal(Number(rows?.n), 0, 'the invisible report went with its rows');
    assert.deepEqual(values.filter((v) => asked.has(v)), [], 'no value of the deleted report was looked up');
  } else {
    assert.notEqual(report.state, 'importing', `killed at ${seen}: a report left importing was not deleted`);
    assert.equal(Number(report.total), LINES);
    const rows = await db.row<{ n: number }>('SELECT count(*) AS n FROM report_items WHERE report_id = ?', report.id);
    assert.equal(Number(rows?.n), LINES, 'a visible report has every row');
  }
  assert.deepEqual(small.filter((v) => !asked.has(v)), [], "the other user's values were looked up");
});
