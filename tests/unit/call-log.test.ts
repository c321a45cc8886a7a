import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';
import { createCallLog } from '../../src/lookups/call-log.repository.js';

test('when the call log is saved or reloaded with nothing to write, then calls recorded afterwards still reach the table', async (t) => {
  // Arrange
  const dir = mkdtempSync(join(tmpdir(), 'call-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { db, close } = openDatabase(join(dir, 'test.sqlite'));
  t.after(() => close());
  await migrateToLatest(db);
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
