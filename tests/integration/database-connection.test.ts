import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';
import { createCallLog } from '../../src/lookups/call-log.repository.js';
import { insertParsedLines } from '../../src/reports/report-import.repository.js';
import { DatabaseSessionStore } from '../../src/web/session-store.js';
import type session from 'express-session';
import { createAppDatabase, testDatabaseUrl } from '../helpers/test-postgres.js';

// On SQLite the app has one connection. Kysely holds it for the whole of a transaction, across its
// awaits; a write made on the same connection meanwhile would become part of that transaction and
// vanish with its rollback, although its caller had been told it was stored. These are the writers
// that used the raw handle: the upload's row batches, the VirusTotal call log and the session store.
// On PostgreSQL (the pool's other connections, COPY-free bulk inserts) the same must hold.

const dir = mkdtempSync(join(tmpdir(), 'connection-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function freshDatabase(name: string) {
  const cluster = testDatabaseUrl();
  const created = cluster ? await createAppDatabase(cluster) : null;
  const database = openDatabase(created?.url ?? join(dir, `${name}.sqlite`));
  await migrateToLatest(database.db);
  await database.db.insertInto('users').values({ email: 'owner@example.test', password_hash: 'x', created_at: 1 }).execute();
  await database.db
    .insertInto('reports')
    .values({ id: 'r1', user_id: 1, name: 'list', state: 'importing', created_at: 1, notify_email: 0, email_status: null })
    .execute();
  return {
    db: database.db,
    async close() {
      await database.close();
      await created?.drop();
    },
  };
}

/** Opens a transaction, lets `meanwhile` start while it is open, then rolls the transaction back. */
async function duringFailedTransaction(db: Awaited<ReturnType<typeof freshDatabase>>['db'], meanwhile: () => Promise<unknown>) {
  let started: Promise<unknown> = Promise.resolve();
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await trx.selectFrom('reports').select('id').execute();
      started = meanwhile();
      await trx.selectFrom('users').select('id').execute();
      await trx.insertInto('app_settings').values({ key: 'doomed', value: 'x' }).execute();
      throw new Error('the transaction fails');
    }),
    /the transaction fails/,
  );
  await started;
}

test('when an upload writes rows while another transaction is open and that transaction fails, then the rows stay', async () => {
  // Arrange
  const { db, close } = await freshDatabase('import');
  const lines = [
    { kind: 'lookup', line: 1, input: 'evil.com', value: 'evil.com', type: 'domain' },
    { kind: 'invalid', line: 2, input: 'not a value' },
  ] as const;

  // Act
  await duringFailedTransaction(db, () => insertParsedLines(db, 'r1', lines));

  // Assert
  const rows = await db.selectFrom('report_items').select(['line', 'hash', 'status']).where('report_id', '=', 'r1').orderBy('line').execute();
  assert.deepEqual(rows, [
    { line: 1, hash: 'evil.com', status: 'pending' },
    { line: 2, hash: null, status: 'invalid' },
  ]);
  const doomed = await db.selectFrom('app_settings').selectAll().where('key', '=', 'doomed').execute();
  assert.deepEqual(doomed, [], 'the failed transaction itself was rolled back');
  await close();
});

test('when a VirusTotal call is recorded while another transaction is open and that transaction fails, then the call still counts after a restart', async () => {
  // Arrange
  const { db, close } = await freshDatabase('calls');
  const log = await createCallLog(db);

  // Act
  await duringFailedTransaction(db, async () => {
    log.record('key-1', 1000);
    await log.saved();
  });

  // Assert: a new log (a restarted process) reads the call from the table
  assert.equal((await createCallLog(db)).countSince('key-1', 0), 1);
  await close();
});

test('when a session is saved while another transaction is open and that transaction fails, then the session is still there', async () => {
  // Arrange
  const { db, close } = await freshDatabase('sessions');
  const store = new DatabaseSessionStore(db);
  const sess = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, userId: 1 } as unknown as session.SessionData;

  // Act
  await duringFailedTransaction(db, () => new Promise<void>((resolve, reject) => store.set('sid-1', sess, (err) => (err ? reject(err) : resolve()))));

  // Assert
  const found = await new Promise<session.SessionData | null | undefined>((resolve, reject) => store.get('sid-1', (err, s) => (err ? reject(err) : resolve(s))));
  assert.equal(found?.userId, 1);
  store.close();
  await close();
});
