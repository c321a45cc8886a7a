import type { Generated, Insertable, Selectable } from 'kysely';

/** imported: a report was made; duplicate: the same content was imported before; error: no report could be made. */
export type ConnectorFileStatus = 'imported' | 'duplicate' | 'error';

/** A file a watched-folder connector took from its folder. */
export interface ConnectorFileTable {
  id: Generated<number>;
  connector: string;
  sha256: string;
  file_name: string;
  /** Null for duplicates and errors, and once the owner deletes the report. */
  report_id: string | null;
  status: ConnectorFileStatus;
  message: string | null;
  created_at: number;
  /** When the report's JSON and CSV (or the note) reached the output folder. */
  output_written_at: number | null;
  /** Failed tries to write it; the connector gives up after a few (see connector-output.ts). */
  output_attempts: Generated<number>;
}

export type ConnectorFileRow = Selectable<ConnectorFileTable>;
export type NewConnectorFileRow = Insertable<ConnectorFileTable>;
