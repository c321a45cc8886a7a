import type { ConnectorConfig } from './connector.config.js';
import type { ConnectorDeps } from './connector-deps.js';
import { ingestFolder, type IngestCounts } from './connector-ingest.js';
import { writeDueOutputs } from './connector-output.js';

export interface PassSummary extends IngestCounts {
  connector: string;
  /** Files whose report files or note reached the output folder in this pass. */
  outputs: number;
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
