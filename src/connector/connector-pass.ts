import type SQLite from 'better-sqlite3';
import type { Config } from '../shared/config.js';
import type { Db, OpenDatabase } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { ConnectorConfig } from './connector.config.js';
import { ingestFolder, type IngestCounts } from './connector-ingest.js';
import { writeDueOutputs } from './connector-output.js';

export interface ConnectorDeps {
  db: Db;
  sqlite: SQLite.Database;
  cacheTtlMs: number;
  /** Larger files are reported as errors, as the upload form refuses them. */
  maxFileBytes: number;
  /** Without SMTP no completion email is asked for, whatever connectors.json says. */
  mailEnabled: boolean;
  /** For the report link in a duplicate note. */
  appUrl: string;
  logger: Logger;
  /** Inside the app: a new report wants lookups, or (all answered from the cache) its email. */
  onReportCreated?: (completed: boolean) => void;
  now?: () => number;
}

export interface PassSummary extends IngestCounts {
  connector: string;
  /** Files whose report files or note reached the output folder in this pass. */
  outputs: number;
}

/** The connector dependencies of an app or script process, from its config and open database. */
export function connectorDeps(config: Readonly<Config>, database: OpenDatabase, logger: Logger, onReportCreated?: (completed: boolean) => void): ConnectorDeps {
  return {
    db: database.db,
    sqlite: database.sqlite,
    cacheTtlMs: config.cacheTtlMs,
    maxFileBytes: config.maxUploadBytes,
    mailEnabled: Boolean(config.smtpUrl),
    appUrl: config.appUrl,
    logger,
    ...(onReportCreated ? { onReportCreated } : {}),
  };
}

/**
 * One pass of one connector: take the new files of its folder, then write the outputs of reports
 * that completed since the last pass (and the notes of files that made none).
 */
export async function runConnectorPass(deps: ConnectorDeps, connector: ConnectorConfig, signal?: AbortSignal): Promise<PassSummary> {
  if (signal?.aborted) return { connector: connector.name, imported: 0, duplicates: 0, errors: 0, waiting: 0, failed: 0, ownerMissing: false, outputs: 0 };
  const scoped = { ...deps, logger: deps.logger.child({ connector: connector.name }) };
  const counts = await ingestFolder(scoped, connector, signal);
  const outputs = signal?.aborted ? 0 : await writeDueOutputs(scoped, connector);
  return { connector: connector.name, ...counts, outputs };
}

/** One line for a person reading cron mail. */
export function describePass(s: PassSummary, ownerEmail: string): string {
  if (s.ownerMissing) return `${s.connector}: no account for ${ownerEmail}; files left in the folder`;
  const parts = [`${s.imported} imported`, `${s.duplicates} duplicate`, `${s.errors} error`, `${s.outputs} written to the output folder`];
  if (s.waiting > 0) parts.push(`${s.waiting} still being written`);
  if (s.failed > 0) parts.push(`${s.failed} failed (see the log)`);
  return `${s.connector}: ${parts.join(', ')}`;
}
