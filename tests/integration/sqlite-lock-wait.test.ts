/**
 * On SQLite a big upload writes through a second connection (a thread of its own), which holds the
 * file's write lock a transaction at a time. A write on the app's own connection that finds the lock
 * taken must wait for it without holding the event loop (every other request waits on that loop),
 * and be written once the lock is free: an autocommit statement, a transaction, an upload's raw batch.
 * While one waits, the upload's thread ends its write batches early; what they left is written next.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';
import { insertParsedLines } from '../../src/reports/report-import.repository.js';
import { storeRows } from '../../src/reports/report-import-steps.js';

const dir = mkdtempSync(join(tmpdir(), 'lock-wait-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A migrated app database in a file of its own, with an owner and an invisible report `r1`. */
async function freshFile(name: string) {
  const file = join(dir, `${name}.sqlite`);
  const database = openDatabase(file);
  await migrateToLatest(database.db);
  await database.db.insertInto('users').values({ email: 'owner@example.test', password_hash: 'x', created_at: 1 }).execute();
  await database.db.insertInto('reports').values({ id: 'r1', user_id: 1, name: 'list', state: 'importing', created_at: 1, notify_email: 0, email_status: null }).execute();
  return { file, ...database };
}

test("when another connection holds the write lock, then the app's writes wait without holding the event loop and are all written once it is released", async () => {
  // Arrange
  const { file, db, close } = await freshFile('app');
  const other = new SQLite(file);
  other.exec('BEGIN IMMEDIATE');

  // Act: three kinds of write, each finding the lock taken.
  const settled: string[] = [];
  const writes = [
    db.insertInto('app_settings').values({ key: 'autocommit', value: '1' }).execute().then(() => settled.push('autocommit')),
    db.transaction().execute(async (trx) => {
      await trx.insertInto('app_settings').values({ key: 'transaction', value: '1' }).execute();
      await trx.updateTable('app_settings').set({ value: '2' }).where('key', '=', 'transaction').execute();
    }).then(() => settled.push('transaction')),
    insertParsedLines(db, 'r1', [{ kind: 'lookup', line: 1, input: 'a'.repeat(64), value: 'a'.repeat(64), type: 'sha256' }]).then(() => settled.push('batch')),
  ];
  // The event loop turns while they wait: callbacks queued after them run, and they are not done.
  for (let i = 0; i < 5; i++) await turn();
  const whileLocked = [...settled];
  const writtenWhileLocked = other.prepare('SELECT count(*) AS n FROM app_settings WHERE key IN (?, ?)').get('autocommit', 'transaction') as { n: number };
  other.exec('COMMIT');
  await Promise.all(writes);

  // Assert
  assert.deepEqual(whileLocked, [], 'no write finished (or failed) while the lock was held');
  assert.equal(writtenWhileLocked.n, 0);
  const settings = await db.selectFrom('app_settings').select(['key', 'value']).where('key', 'in', ['autocommit', 'transaction']).orderBy('key').execute();
  assert.deepEqual(settings, [{ key: 'autocommit', value: '1' }, { key: 'transaction', value: '2' }]);
  const rows = await db.selectFrom('report_items').select(['line', 'status']).where('report_id', '=', 'r1').execute();
  assert.deepEqual(rows, [{ line: 1, status: 'pending' }]);
  other.close();
  await close();
});

test('when another writer waits all through an upload, then its batches end early and every line is still stored once, in order', async () => {
  // Arrange
  const { db, close } = await freshFile('give-way');
  const lines = Array.from({ length: 1000 }, (_, i) => (i % 10 === 9 ? `note ${i + 1}` : (i + 1).toString(16).padStart(64, '0')));
  let asked = 0;

  // Act: a writer is always said to be waiting, so every batch stops after 128 rows.
  const stored = await storeRows(db, { reportId: 'r1', content: Buffer.from(lines.join('\n')), cacheTtlMs: 0, now: 2 }, {
    transactionMs: 1000,
    finaliseMs: 1000,
    maxRows: 50_000,
    between: turn,
    othersWait: () => ++asked > 0,
  });

  // Assert
  assert.equal(stored.completed, false);
  assert.ok(asked >= 1000 / 128 - 1, `asked ${asked} times`);
  const rows = await db.selectFrom('report_items').select(['line', 'input', 'status']).where('report_id', '=', 'r1').orderBy('id').execute();
  assert.deepEqual(rows, lines.map((input, i) => ({ line: i + 1, input, status: i % 10 === 9 ? 'invalid' : 'pending' })));
  const report = await db.selectFrom('reports').select(['state', 'total']).where('id', '=', 'r1').executeTakeFirstOrThrow();
  assert.deepEqual(report, { state: 'active', total: 1000 });
  await close();
});
