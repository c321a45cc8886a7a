import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { ReportSummary } from '../report-summary.js';
import type { ReportItemRow } from '../report.table.js';
import { PRODUCER, producerIdentity, rowObjects, type StixContext } from './stix-objects.js';
import { streamText } from './text-stream.js';

/** The STIX 2.1 media type (the TAXII 2.1 and STIX 2.1 specifications' registration). */
export const STIX_CONTENT_TYPE = 'application/stix+json;version=2.1';

/**
 * The report's rows as a STIX 2.1 bundle, written as the rows arrive (a 100,000-row report never sits
 * in memory): the producing identity first, then each row's indicator, note and malware. One file
 * named by several rows (its MD5 and its SHA-256) is one indicator, its first row's. Stops when
 * `signal` aborts.
 */
export function streamStix(out: Writable, report: ReportSummary, items: AsyncIterable<ReportItemRow>, notice: string | null, signal?: AbortSignal): Promise<void> {
  return streamText(out, stixText(report, items, notice), signal);
}

async function* stixText(report: ReportSummary, items: AsyncIterable<ReportItemRow>, notice: string | null): AsyncGenerator<string> {
  const context: StixContext = {
    reportId: report.id,
    reportName: report.name,
    created: report.createdAt.toISOString(),
    identityId: PRODUCER.id,
    notice,
  };
  yield `{"type":"bundle","id":"bundle--${randomUUID()}","objects":[\n${JSON.stringify(producerIdentity(context))}`;
  const files = new Set<string>();
  const malware = new Set<string>();
  for await (const row of items) {
    if (row.sha256) {
      if (files.has(row.sha256)) continue;
      files.add(row.sha256);
    }
    for (const object of rowObjects(row, context, malware)) yield `,\n${JSON.stringify(object)}`;
  }
  yield '\n]}\n';
}
