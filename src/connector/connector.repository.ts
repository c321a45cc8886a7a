import type { Db } from '../shared/database.js';
import type { ConnectorFileRow, NewConnectorFileRow } from './connector.table.js';

/** The file this connector imported with this content, if any. */
export async function findImportedFile(db: Db, connector: string, sha256: string): Promise<ConnectorFileRow | undefined> {
  return db
    .selectFrom('connector_files')
    .selectAll()
    .where('connector', '=', connector)
    .where('sha256', '=', sha256)
    .where('status', '=', 'imported')
    .executeTakeFirst();
}

/**
 * Records a file; false when an import of the same content is already recorded (another process
 * running the same connector got there first).
 */
export async function insertConnectorFile(db: Db, row: NewConnectorFileRow): Promise<boolean> {
  const result = await db.insertInto('connector_files').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Files whose output is due: notes for duplicates and errors at once, a report's files once the
 * report has completed. A report its owner deleted has no files to write (report_id went null).
 */
export async function listOutputsDue(db: Db, connector: string): Promise<Array<ConnectorFileRow & { user_id: number | null }>> {
  return db
    .selectFrom('connector_files')
    .leftJoin('reports', 'reports.id', 'connector_files.report_id')
    .selectAll('connector_files')
    .select('reports.user_id')
    .where('connector_files.connector', '=', connector)
    .where('connector_files.output_written_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('connector_files.status', '!=', 'imported'),
        eb.and([eb('connector_files.report_id', 'is not', null), eb('reports.state', '=', 'completed')]),
      ]),
    )
    .orderBy('connector_files.id')
    .execute();
}

/** One more failed try to write the file's output; returns how many there have been. */
export async function countOutputFailure(db: Db, id: number): Promise<number> {
  const row = await db
    .updateTable('connector_files')
    .set((eb) => ({ output_attempts: eb('output_attempts', '+', 1) }))
    .where('id', '=', id)
    .returning('output_attempts')
    .executeTakeFirst();
  return row?.output_attempts ?? 0;
}

export async function markOutputWritten(db: Db, id: number, at: number): Promise<void> {
  await db.updateTable('connector_files').set({ output_written_at: at }).where('id', '=', id).execute();
}
