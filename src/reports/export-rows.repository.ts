import { CompiledQuery } from 'kysely';
import type SQLite from 'better-sqlite3';
import { databaseDialect, withRawConnection, type Db } from '../shared/database.js';
import { ARRAY_ROWS } from '../shared/postgres.js';
import type { ItemFilter } from './report.schemas.js';
import { matching } from './report.repository.js';
import { EXPORT_READ_COLUMNS, type ExportRow } from './files/export-row.js';

// The CSV and JSON exports' reads: rows as arrays of EXPORT_READ_COLUMNS, a batch at a time. Building
// a 30-field object a row (Kysely's rows) cost more than the file's text; the writers take each field
// by its position instead.

/** Rows a SQLite batch reads on the main connection: a few milliseconds, so nobody waits on an export. */
const SQLITE_BATCH = 2000;
/** Rows a PostgreSQL cursor read brings: parsed as they arrive, so a bigger batch costs no stall. */
const POSTGRES_BATCH = 5000;

/**
 * A report's rows that pass the filter, in line order (by id), as arrays, a batch at a time. Once
 * `signal` is aborted (the client left) no further batch is read, and the PostgreSQL cursor closes.
 */
export function iterateExportRows(db: Db, reportId: string, filter: ItemFilter, signal?: AbortSignal): AsyncGenerator<ExportRow[]> {
  const rows = db.selectFrom('report_items').select(EXPORT_READ_COLUMNS).where((eb) => matching(db, eb, reportId, filter));
  if (databaseDialect(db) === 'postgres') {
    const query = rows.orderBy('id').compile();
    return throughCursor(db, CompiledQuery.raw(`${ARRAY_ROWS}${query.sql}`, [...query.parameters]), signal);
  }
  return inBatches(db, rows.where('id', '>', (eb) => eb.val(AFTER)).orderBy('id').limit(SQLITE_BATCH).compile(), signal);
}

/** Stands for the last id read in the compiled query, so the batches reuse one statement; no id is negative. */
const AFTER = Number.MIN_SAFE_INTEGER;

/**
 * SQLite: keyset batches after the last id, each read in one go with the raw handle (array rows) while
 * holding Kysely's connection, which is free again between batches.
 */
async function* inBatches(db: Db, query: CompiledQuery, signal?: AbortSignal): AsyncGenerator<ExportRow[]> {
  const parameters = [...query.parameters];
  const afterAt = parameters.indexOf(AFTER);
  parameters[afterAt] = 0;
  let statement: SQLite.Statement | null = null;
  for (;;) {
    if (signal?.aborted) return;
    const batch = await withRawConnection(db, (sqlite) => {
      statement ??= sqlite.prepare(query.sql).raw(true);
      return statement.all(...parameters) as ExportRow[];
    });
    if (batch.length > 0) yield batch;
    if (batch.length < SQLITE_BATCH) return;
    parameters[afterAt] = batch.at(-1)![0];
  }
}

/**
 * PostgreSQL: one server-side cursor for the whole read, a batch a read. The next batch is asked for
 * before this one is handed on, so the server reads it while this process writes the file's text.
 */
async function* throughCursor(db: Db, query: CompiledQuery, signal?: AbortSignal): AsyncGenerator<ExportRow[]> {
  const batches = db.getExecutor().stream(query, POSTGRES_BATCH);
  let next = batches.next();
  try {
    for (;;) {
      const batch = await next;
      if (batch.done || signal?.aborted) return;
      next = batches.next();
      yield batch.value.rows as ExportRow[];
    }
  } finally {
    // A download left early: the batch asked for ahead is not wanted, nor is its failure.
    next.catch(() => undefined);
    // Waits for that batch, then closes the cursor and gives its connection back.
    await batches.return?.(undefined);
  }
}
