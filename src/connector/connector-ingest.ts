import { join } from 'node:path';
import { findUserByEmail } from '../auth/user.repository.js';
import { ValidationError } from '../shared/errors.js';
import { formatSize } from '../shared/text.js';
import { importHashList, reportNameOfFile } from '../reports/report-import.js';
import { deleteReportForUser } from '../reports/report.service.js';
import { findImportedFile, insertConnectorFile } from './connector.repository.js';
import type { ConnectorConfig } from './connector.config.js';
import type { ConnectorDeps } from './connector-deps.js';
import type { ConnectorFileStatus } from './connector.table.js';
import { ensureRealDirectory, moveWithoutOverwrite } from './file-placement.js';
import { listTextFiles, readWhole, settleFiles, sha256Of, sha256OfFile, type SettledFile } from './folder-files.js';

/** Where each file of a pass went; `waiting` ones are still being written, `failed` ones stay for the next pass. */
export interface IngestCounts {
  imported: number;
  duplicates: number;
  errors: number;
  waiting: number;
  failed: number;
  /** The owner's account does not exist: every file was left where it was. */
  ownerMissing: boolean;
}

type Outcome = 'imported' | 'duplicates' | 'errors' | 'waiting' | 'failed' | 'taken';

/**
 * One look at the connector's folder: 1. list the .txt files; 2. find the owner; 3. wait for the
 * files to settle; 4. make each settled file a report (or a duplicate or error record) and move it
 * to processed/. A file that fails unexpectedly stays for the next pass; the others go on.
 */
export async function ingestFolder(deps: ConnectorDeps, connector: ConnectorConfig, signal?: AbortSignal): Promise<IngestCounts> {
  const counts: IngestCounts = { imported: 0, duplicates: 0, errors: 0, waiting: 0, failed: 0, ownerMissing: false };
  const names = await listTextFiles(connector.folder);
  if (names.length === 0) return counts;
  const owner = await findUserByEmail(deps.db, connector.ownerEmail);
  if (!owner) {
    deps.logger.error({ owner: connector.ownerEmail, files: names.length }, 'connector owner has no account; files left in the folder');
    return { ...counts, ownerMissing: true };
  }
  if (!(await ensureRealDirectory(join(connector.folder, 'processed')))) {
    deps.logger.error({ folder: connector.folder }, 'processed/ in the watched folder is not a directory (a link?); files left in the folder');
    return { ...counts, failed: names.length };
  }
  const { settled, waiting } = await settleFiles(connector.folder, names, connector.settleMs, signal);
  counts.waiting = waiting.length;
  for (const file of settled) {
    if (signal?.aborted) break;
    const outcome = await ingestFile(deps, connector, owner.id, file).catch((err: unknown) => {
      deps.logger.error({ err, file: file.name }, 'connector could not take a file; it stays for the next pass');
      return 'failed' as const;
    });
    if (outcome !== 'taken') counts[outcome]++;
  }
  return counts;
}

async function ingestFile(deps: ConnectorDeps, connector: ConnectorConfig, userId: number, file: SettledFile): Promise<Outcome> {
  if (file.size > deps.maxFileBytes) {
    const message = `The file is larger than the ${formatSize(deps.maxFileBytes)} limit. Split it and drop the parts into the folder.`;
    const sha256 = await sha256OfFile(file);
    if (!sha256) return 'waiting';
    return settle(deps, connector, file, { sha256, status: 'error', message });
  }
  const content = await readWhole(file);
  if (!content) return 'waiting';
  const sha256 = sha256Of(content);
  const earlier = await findImportedFile(deps.db, connector.name, sha256);
  if (earlier) {
    const message = `Same content as ${earlier.file_name}, already imported${earlier.report_id ? ` as report ${earlier.report_id}` : ''}; no new report was made.`;
    return settle(deps, connector, file, { sha256, status: 'duplicate', message });
  }
  let created: { reportId: string; completed: boolean };
  try {
    created = await importHashList(
      { db: deps.db, cacheTtlMs: deps.cacheTtlMs, maxRows: deps.maxReportRows, now: deps.now },
      { userId, name: reportName(file.name), notify: connector.emailOnCompletion && deps.mailEnabled, content },
    );
  } catch (err) {
    // Empty, binary, UTF-16 or hashless: reported in the output folder, not dropped.
    if (err instanceof ValidationError) return settle(deps, connector, file, { sha256, status: 'error', message: err.message });
    throw err;
  }
  const recorded = await insertConnectorFile(deps.db, {
    connector: connector.name, sha256, file_name: file.name, report_id: created.reportId, status: 'imported', message: null, created_at: now(deps),
  });
  if (!recorded) {
    // Another process running this connector imported the same content meanwhile; it moves the file.
    await deleteReportForUser(deps.db, created.reportId, userId);
    deps.logger.info({ file: file.name }, 'file imported by another connector process; own report removed');
    return 'taken';
  }
  deps.onReportCreated?.(created.completed);
  await moveToProcessed(connector, file);
  deps.logger.info({ file: file.name, reportId: created.reportId }, 'connector made a report');
  return 'imported';
}

/** Records a file that made no report and moves it to processed/; its note is written with the outputs. */
async function settle(
  deps: ConnectorDeps,
  connector: ConnectorConfig,
  file: SettledFile,
  record: { sha256: string; status: Exclude<ConnectorFileStatus, 'imported'>; message: string },
): Promise<Outcome> {
  await insertConnectorFile(deps.db, { connector: connector.name, file_name: file.name, report_id: null, created_at: now(deps), ...record });
  await moveToProcessed(connector, file);
  deps.logger.warn({ file: file.name, status: record.status, message: record.message }, 'connector file made no report');
  return record.status === 'duplicate' ? 'duplicates' : 'errors';
}

async function moveToProcessed(connector: ConnectorConfig, file: SettledFile): Promise<void> {
  try {
    await moveWithoutOverwrite(file.path, join(connector.folder, 'processed'), file.name);
  } catch (err) {
    // Moved by another process running this connector: where it went is that process's business.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** As the upload form names a report after its file. */
const reportName = (fileName: string) => reportNameOfFile(fileName) || 'Watched-folder file';

const now = (deps: ConnectorDeps) => (deps.now ?? Date.now)();
