import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';
import { createCallLog } from '../../src/lookups/call-log.repository.js';

const opened: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const database of opened) await database.close();
});

test('when calls are recorded after a save that had nothing to write, then every call is still on disk once saved() resolves', async () => {
  // Arrange: the scheduler awaits saved() before each call, often when nothing is waiting to be written
  const file = join(mkdtempSync(join(tmpdir(), 'call-log-')), 'app.sqlite');
  const database = openDatabase(file);
  opened.push(database);
  await migrateToLatest(database.db);
  const log = await createCallLog(database.db, 60_000);
  const t0 = Date.UTC(2026, 11, 6, 12);

  // Act
  log.record('key-a', t0);
  await log.saved();
  await log.saved();
  const second = log.record('key-a', t0 + 10);
  log.restamp(second, t0 + 50);
  log.record('key-b', t0 + 20);
  await log.saved();

  // Assert: read back through a connection of the test's own, as a restarted app would
  const reader = new SQLite(file, { readonly: true });
  const rows = reader.prepare('SELECT key_id, at FROM vt_calls ORDER BY id').all();
  reader.close();
  assert.deepEqual(rows, [
    { key_id: 'key-a', at: t0 },
    { key_id: 'key-a', at: t0 + 50 },
    { key_id: 'key-b', at: t0 + 20 },
  ]);
});

/** A migrated SQLite file of the test's own, removed after it. */
async function migratedDatabase(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'call-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { db, close } = openDatabase(join(dir, 'test.sqlite'));
  t.after(() => close());
  await migrateToLatest(db);
  return db;
}

test('when the call log is saved or reloaded with nothing to write, then calls recorded afterwards still reach the table', async (t) => {
  // Arrange
  const db = await migratedDatabase(t);
  const log = await createCallLog(db, 1000);

  // Act: what a dispatcher does when it takes over (reload) and before it sends (saved)
  await log.saved();
  await log.reload();
  const now = Date.now();
  log.record('key-a', now);
  log.record('key-a', now + 1);
  await log.saved();
  await log.reload();

  // Assert
  const rows = await db.selectFrom('vt_calls').select(['key_id', 'at']).orderBy('id').execute();
  assert.deepEqual(rows.map((r) => [r.key_id, Number(r.at)]), [['key-a', now], ['key-a', now + 1]]);
  assert.equal(log.countSince('key-a', now - 1), 2, 'a reload reads back what was written');
});

test('when two instances record calls into one table, then every call is saved and each restamp moves its own call', async (t) => {
  // Arrange: the dispatcher and a follower testing a user's key both write calls
  const db = await migratedDatabase(t);
  const dispatcher = await createCallLog(db, 1000);
  const follower = await createCallLog(db, 1000);
  const t0 = Date.UTC(2026, 11, 6, 12);

  // Act
  const first = dispatcher.record('shared', t0);
  const test = follower.record('personal', t0 + 1);
  const second = dispatcher.record('shared', t0 + 2);
  await Promise.all([dispatcher.saved(), follower.saved()]);
  follower.restamp(test, t0 + 40);
  dispatcher.restamp(first, t0 + 30);
  dispatcher.restamp(second, t0 + 50);
  await Promise.all([dispatcher.saved(), follower.saved()]);

  // Assert
  const rows = await db.selectFrom('vt_calls').select(['key_id', 'at']).orderBy('at').execute();
  assert.deepEqual(rows.map((r) => [r.key_id, Number(r.at)]), [['shared', t0 + 30], ['personal', t0 + 40], ['shared', t0 + 50]]);
});
