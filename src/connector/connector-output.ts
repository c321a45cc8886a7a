import { streamCsv } from '../reports/files/csv.js';
import { streamJson } from '../reports/files/json.js';
import { exportItems, getReportForUser } from '../reports/report.service.js';
import type { ItemFilter } from '../reports/report.schemas.js';
import { countOutputFailure, findImportedFile, listOutputsDue, markOutputWritten } from './connector.repository.js';
import type { ConnectorConfig } from './connector.config.js';
import type { ConnectorDeps } from './connector-deps.js';
import type { ConnectorFileRow } from './connector.table.js';
import { ensureRealDirectory, writeFileAtomically } from './file-placement.js';

const EVERY_ROW: ItemFilter = { verdict: [], q: '' };
/** Passes a file's output may fail (a full disk, a permission) before the connector gives up on it. */
export const MAX_OUTPUT_ATTEMPTS = 5;

/**
 * Writes what is due to the output folder: each completed report's JSON and CSV (the same bytes as
 * its export.json and export.csv downloads), and a note for each duplicate or unreadable file.
 * Returns how many files' outputs were written; one that fails is tried again next pass.
 */
export async function writeDueOutputs(deps: ConnectorDeps, connector: ConnectorConfig): Promise<number> {
  const due = await listOutputsDue(deps.db, connector.name);
  if (due.length === 0) return 0;
  if (!(await ensureRealDirectory(connector.outputFolder))) {
    deps.logger.error({ folder: connector.outputFolder }, 'the output folder is not a directory (a link?); nothing written');
    return 0;
  }
  let written = 0;
  for (const row of due) {
    try {
      if (row.status === 'imported') await writeReportFiles(deps, connector.outputFolder, row);
      else await writeNote(deps, connector, row);
      await markOutputWritten(deps.db, row.id, (deps.now ?? Date.now)());
      written++;
    } catch (err) {
      await outputFailed(deps, connector, row, err);
    }
  }
  return written;
}

/** Tries again next pass, up to MAX_OUTPUT_ATTEMPTS; then leaves an error note (if it can) and stops. */
async function outputFailed(deps: ConnectorDeps, connector: ConnectorConfig, row: ConnectorFileRow, err: unknown): Promise<void> {
  const attempts = await countOutputFailure(deps.db, row.id);
  if (attempts < MAX_OUTPUT_ATTEMPTS) {
    deps.logger.error({ err, file: row.file_name, attempts }, 'connector could not write to the output folder; trying again next pass');
    return;
  }
  const reason = err instanceof Error ? err.message : String(err);
  const message = `The output could not be written to the output folder after ${attempts} attempts (${reason}); the connector gave up on it.`;
  await writeNote(deps, connector, { ...row, status: 'error', message }).catch(() => undefined);
  await markOutputWritten(deps.db, row.id, (deps.now ?? Date.now)());
  deps.logger.error({ err, file: row.file_name, attempts }, 'connector gave up writing this file\'s output');
}

async function writeReportFiles(deps: ConnectorDeps, dir: string, row: ConnectorFileRow & { user_id: number | null }): Promise<void> {
  if (row.report_id == null || row.user_id == null) return;
  const report = await getReportForUser(deps.db, row.report_id, row.user_id);
  const stem = row.file_name.replace(/\.txt$/i, '');
  const json = await writeFileAtomically(dir, `${stem}.json`, (out) => streamJson(out, report, exportItems(deps.db, report.id, EVERY_ROW)));
  const csv = await writeFileAtomically(dir, `${stem}.csv`, (out) => streamCsv(out, exportItems(deps.db, report.id, EVERY_ROW)));
  deps.logger.info({ file: row.file_name, reportId: report.id, json, csv }, 'connector wrote a report to the output folder');
}

/** `<file>.duplicate.json` or `<file>.error.json`: why the file made no report. */
async function writeNote(deps: ConnectorDeps, connector: ConnectorConfig, row: ConnectorFileRow): Promise<void> {
  const earlier = row.status === 'duplicate' ? await findImportedFile(deps.db, connector.name, row.sha256) : undefined;
  const note = {
    file: row.file_name,
    status: row.status,
    message: row.message,
    sha256: row.sha256,
    receivedAt: new Date(row.created_at).toISOString(),
    ...(row.status === 'duplicate'
      ? {
          earlierReport: earlier?.report_id
            ? { id: earlier.report_id, file: earlier.file_name, importedAt: new Date(earlier.created_at).toISOString(), url: `${deps.appUrl}/reports/${earlier.report_id}` }
            : null,
        }
      : {}),
  };
  await writeFileAtomically(connector.outputFolder, `${row.file_name}.${row.status}.json`, async (out) => {
    out.write(`${JSON.stringify(note, null, 2)}\n`);
  });
}
