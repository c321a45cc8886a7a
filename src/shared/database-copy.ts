import { sql, type Kysely } from 'kysely';
import { databaseDialect, migrateToLatest, withRawConnection, type Db } from './database.js';

// `npm run db:copy`: moves a deployment from its SQLite file to an empty PostgreSQL database.

/**
 * Not copied: sessions (everyone signs in again), the migrators' own bookkeeping (the target migrates
 * itself), and report_counts, which the target's triggers fill as the reports and their rows arrive.
 */
const NOT_COPIED = new Set(['sessions', 'kysely_migration', 'kysely_migration_lock', 'report_counts']);

/** Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement. */
const MAX_PARAMETERS = 60_000;
const MAX_BATCH_ROWS = 5_000;

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface CopiedTable {
  table: string;
  rows: number;
}

interface TableShape {
  name: string;
  columns: string[];
  /** Tables it references: copied before it, so every foreign key finds its row. */
  references: string[];
}

export class CopyRefused extends Error {}

/** Tables named at run time, from the source's own catalogue: the copy is generic, not typed per table. */
type AnyTables = Record<string, Record<string, unknown>>;
type Generic = Kysely<AnyTables>;
const generic = (db: unknown) => db as Generic;

/**
 * Copies every table but sessions from `source` (SQLite) into `target` (PostgreSQL), in one target
 * transaction: a copy that fails part way leaves the target as empty as it found it, so it can
 * simply be run again. Both are first migrated to the latest schema, so the columns match. Rows
 * keep their ids; identity sequences then continue after the highest. Ends by comparing the row
 * count of every table on both sides.
 */
export async function copyDatabase(source: Db, target: Db, onProgress: (p: CopyProgress) => void = () => undefined): Promise<CopiedTable[]> {
  if (databaseDialect(source) !== 'sqlite') throw new CopyRefused('The source must be the SQLite file (DATABASE_PATH), not a PostgreSQL URL.');
  if (databaseDialect(target) !== 'postgres') throw new CopyRefused('The target must be a PostgreSQL URL (postgres://…).');
  await migrateToLatest(source);
  await migrateToLatest(target);
  const tables = copyOrder(await sqliteTables(source));
  for (const table of tables) {
    const rows = await countRows(generic(target), table.name);
    if (rows > 0) throw new CopyRefused(`The target database is not empty: table ${table.name} has ${rows} rows. Copy into an empty database.`);
  }
  await target.transaction().execute(async (trx) => {
    for (const table of tables) await copyTable(source, generic(trx), table, onProgress);
    await restartIdentities(generic(trx), tables.map((t) => t.name));
  });
  const copied: CopiedTable[] = [];
  for (const table of tables) {
    const [from, to] = [await countRows(generic(source), table.name), await countRows(generic(target), table.name)];
    if (from !== to) throw new Error(`Count check failed for ${table.name}: ${from} rows in SQLite, ${to} in PostgreSQL.`);
    copied.push({ table: table.name, rows: to });
  }
  return copied;
}

async function sqliteTables(source: Db): Promise<TableShape[]> {
  return withRawConnection(source, (sqlite) => {
    const names = sqlite
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((r) => r.name)
      .filter((name) => !NOT_COPIED.has(name));
    return names.map((name) => ({
      name,
      columns: sqlite.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${name.replaceAll("'", "''")}')`).all().map((c) => c.name),
      references: sqlite
        .prepare<[], { table: string }>(`SELECT "table" FROM pragma_foreign_key_list('${name.replaceAll("'", "''")}')`)
        .all()
        .map((f) => f.table)
        .filter((t) => t !== name),
    }));
  });
}

/** Referenced tables first (a depth-first walk of the foreign keys). */
function copyOrder(tables: TableShape[]): TableShape[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  const visit = (table: TableShape, path: Set<string>) => {
    if (placed.has(table.name)) return;
    if (path.has(table.name)) throw new Error(`foreign keys form a cycle through ${table.name}`);
    path.add(table.name);
    for (const ref of table.references) {
      const referenced = byName.get(ref);
      if (referenced) visit(referenced, path);
    }
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

async function countRows(db: Generic, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Keyset batches by rowid, so a million-row table is read a slice at a time, never whole. */
async function copyTable(source: Db, target: Generic, table: TableShape, onProgress: (p: CopyProgress) => void): Promise<void> {
  const total = await countRows(generic(source), table.name);
  const batchRows = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(MAX_PARAMETERS / table.columns.length)));
  const columns = sql.join(table.columns.map((c) => sql.ref(c)));
  let after = Number.MIN_SAFE_INTEGER;
  let copied = 0;
  onProgress({ table: table.name, copied, total });
  for (;;) {
    const { rows } = await sql<Record<string, unknown> & { _rowid: number }>`
      SELECT rowid AS _rowid, ${columns} FROM ${sql.table(table.name)} WHERE rowid > ${after} ORDER BY rowid LIMIT ${batchRows}
    `.execute(source);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?._rowid ?? after;
    const values = rows.map((row) => Object.fromEntries(table.columns.map((c) => [c, row[c] ?? null])));
    await target.insertInto(table.name).values(values).execute();
    copied += rows.length;
    onProgress({ table: table.name, copied, total });
  }
}

/** Ids were copied as they were; each identity sequence must go on after the highest, or the next insert collides. */
async function restartIdentities(target: Generic, tables: string[]): Promise<void> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND is_identity = 'YES'
  `.execute(target);
  for (const { table_name: table, column_name: column } of rows) {
    if (!tables.includes(table)) continue;
    await sql`
      SELECT setval(pg_get_serial_sequence(${table}, ${column}), coalesce((SELECT max(${sql.ref(column)}) FROM ${sql.table(table)}), 0) + 1, false)
    `.execute(target);
  }
}
