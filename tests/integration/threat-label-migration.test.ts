import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { createMigrator, openDatabase } from '../../src/shared/database.js';

// The migration that brought the threat label reads it back from the whole answers an install already
// keeps, so reports made before it export their labels too.

const dir = mkdtempSync(join(tmpdir(), 'threat-label-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const BEFORE = '2026-12-06T17.00.00_report_item_line_unique';
const eicar = readFileSync(new URL('../fixtures/virustotal/file-eicar.json', import.meta.url));
const EICAR_SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';

test('when an install with kept answers migrates, then its cache entries and report rows get the threat label of their answer, and rows without one stay null', async () => {
  // Arrange: the schema as it was before, with one answered file row and one domain row.
  const { db, close } = openDatabase(join(dir, 'old.sqlite'));
  try {
    const { error } = await createMigrator(db).migrateTo(BEFORE);
    assert.equal(error, undefined);
    await sql`INSERT INTO users (email, password_hash, created_at) VALUES ('a@example.test', 'x', 1)`.execute(db);
    await sql`INSERT INTO reports (id, user_id, name, state, created_at) VALUES ('r1', 1, 'old', 'completed', 1)`.execute(db);
    await sql`INSERT INTO vt_answers (sha256, fetched_at, body_gzip) VALUES (${EICAR_SHA256}, 1, ${gzipSync(eicar)})`.execute(db);
    await sql`INSERT INTO cache_entries (key, verdict, sha256, fetched_at, answer_id) VALUES (${EICAR_SHA256}, 'malicious', ${EICAR_SHA256}, 1, 1)`.execute(db);
    await sql`INSERT INTO report_items (report_id, line, input, hash, hash_type, status, verdict, sha256, answer_id) VALUES ('r1', 1, 'x', ${EICAR_SHA256}, 'sha256', 'found', 'malicious', ${EICAR_SHA256}, 1)`.execute(db);
    await sql`INSERT INTO report_items (report_id, line, input, hash, hash_type, status, verdict) VALUES ('r1', 2, 'evil.com', 'evil.com', 'domain', 'not_found', 'not_found')`.execute(db);

    // Act
    const { error: upError } = await createMigrator(db).migrateToLatest();

    // Assert
    assert.equal(upError, undefined);
    const rows = await sql<{ line: number; threat_label: string | null }>`SELECT line, threat_label FROM report_items ORDER BY line`.execute(db);
    assert.deepEqual(rows.rows.map((r) => ({ ...r })), [{ line: 1, threat_label: 'virus.eicar/test' }, { line: 2, threat_label: null }]);
    const entry = await sql<{ threat_label: string | null }>`SELECT threat_label FROM cache_entries`.execute(db);
    assert.equal(entry.rows[0]?.threat_label, 'virus.eicar/test');
  } finally {
    await close();
  }
});
