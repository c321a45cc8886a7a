import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { withStatementCache } from '../../src/shared/sqlite-statements.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real SQLite file with a table of `rows` numbered rows, opened twice: raw, and through the cache. */
function numbers(rows: number): { raw: SQLite.Database; cached: ReturnType<typeof withStatementCache> } {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-statements-'));
  dirs.push(dir);
  const raw = new SQLite(join(dir, 'app.sqlite'));
  raw.exec('CREATE TABLE numbers (n INTEGER PRIMARY KEY, label TEXT)');
  const insert = raw.prepare('INSERT INTO numbers (n, label) VALUES (?, ?)');
  for (let n = 1; n <= rows; n++) insert.run(n, `n${n}`);
  return { raw, cached: withStatementCache(raw) };
}

interface NumbersDb {
  numbers: { n: number; label: string };
}

test('when the same SQL is asked for while its statement is still being iterated, then both reads get every row', () => {
  // Arrange
  const { raw, cached } = numbers(5);
  const query = 'SELECT n FROM numbers WHERE n >= ? ORDER BY n';
  const iterating = cached.prepare(query).iterate([1]);
  const firstTwo = [iterating.next().value, iterating.next().value];

  // Act: the same text again, mid-iteration (the cached statement is busy)
  const repeat = cached.prepare(query).all([1]);
  const rest = [...iterating];

  // Assert
  assert.deepEqual(repeat, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
  assert.deepEqual([...firstTwo, ...rest], [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
  // And the statement left behind still answers
  assert.deepEqual(cached.prepare(query).all([4]), [{ n: 4 }, { n: 5 }]);
  raw.close();
});

test('when the same SQL is run twice, then the second run reuses the statement and sees a write made in between', () => {
  // Arrange
  const { raw, cached } = numbers(2);
  const query = 'SELECT count(*) AS c FROM numbers';
  const first = cached.prepare(query);
  assert.deepEqual(first.all([]), [{ c: 2 }]);

  // Act
  cached.prepare('INSERT INTO numbers (n, label) VALUES (?, ?)').run([3, 'n3']);
  const second = cached.prepare(query);

  // Assert
  assert.equal(second, first, 'the statement was prepared once');
  assert.deepEqual(second.all([]), [{ c: 3 }]);
  raw.close();
});

test('when more distinct statements are prepared than the cache holds, then the least recently used is prepared again', () => {
  // Arrange
  const { raw } = numbers(1);
  const cached = withStatementCache(raw, 2);
  const a = cached.prepare('SELECT 1 AS a');
  cached.prepare('SELECT 2 AS b');
  cached.prepare('SELECT 1 AS a');

  // Act: a third text pushes out the least recently used ("b"), not "a", which was just asked for
  cached.prepare('SELECT 3 AS c');

  // Assert
  assert.equal(cached.prepare('SELECT 1 AS a'), a);
  assert.deepEqual(cached.prepare('SELECT 2 AS b').all([]), [{ b: 2 }]);
  raw.close();
});

test('when a Kysely stream is abandoned half-way, then the same query runs in full afterwards', async () => {
  // Arrange
  const { raw, cached } = numbers(6);
  const db = new Kysely<NumbersDb>({ dialect: new SqliteDialect({ database: cached }) });
  const query = () => db.selectFrom('numbers').select(['n', 'label']).where('n', '>', 0).orderBy('n');
  const seen: number[] = [];

  // Act
  for await (const row of query().stream()) {
    seen.push(row.n);
    if (seen.length === 2) break;
  }
  const all = await query().execute();

  // Assert
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(
    all.map((r) => r.n),
    [1, 2, 3, 4, 5, 6],
  );
  await db.destroy();
  assert.equal(raw.open, false, 'destroying Kysely closes the handle under the cache');
});

test('when a column is added after a statement was cached, then the same SELECT * returns the new column', async () => {
  // Arrange
  const { cached } = numbers(1);
  const db = new Kysely<NumbersDb>({ dialect: new SqliteDialect({ database: cached }) });
  assert.deepEqual(await db.selectFrom('numbers').selectAll().execute(), [{ n: 1, label: 'n1' }]);

  // Act: a migration's kind of change, on the same connection
  await sql`ALTER TABLE numbers ADD COLUMN extra TEXT DEFAULT 'x'`.execute(db);

  // Assert
  assert.deepEqual(await db.selectFrom('numbers').selectAll().execute(), [{ n: 1, label: 'n1', extra: 'x' }]);
  await db.destroy();
});
