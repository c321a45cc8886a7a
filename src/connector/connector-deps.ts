import type { Config } from '../shared/config.js';
import type { Db, OpenDatabase } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';

export interface ConnectorDeps {
  db: Db;
  cacheTtlMs: number;
  /** Larger files are reported as errors, as the upload form refuses them. */
  maxFileBytes: number;
  /** MAX_REPORT_ROWS: a longer file is an error note, as the upload form refuses it. */
  maxReportRows: number;
  /** Without SMTP no completion email is asked for, whatever connectors.json says. */
  mailEnabled: boolean;
  /** For the report link in a duplicate note. */
  appUrl: string;
  logger: Logger;
  /** Inside the app: a new report wants lookups, or (all answered from the cache) its email. */
  onReportCreated?: (completed: boolean) => void;
  now?: () => number;
}

/** The connector dependencies of an app or script process, from its config and open database. */
export function connectorDeps(config: Readonly<Config>, database: OpenDatabase, logger: Logger, onReportCreated?: (completed: boolean) => void): ConnectorDeps {
  return {
    db: database.db,
    cacheTtlMs: config.cacheTtlMs,
    maxFileBytes: config.maxUploadBytes,
    maxReportRows: config.maxReportRows,
    mailEnabled: Boolean(config.smtpUrl),
    appUrl: config.appUrl,
    logger,
    ...(onReportCreated ? { onReportCreated } : {}),
  };
}
