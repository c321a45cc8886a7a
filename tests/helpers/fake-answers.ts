import assert from 'node:assert/strict';
import type { VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import type { exportJson } from './test-app.js';

type ExportItem = Awaited<ReturnType<typeof exportJson>>['items'][number];

/**
 * What a report row for `input` must say, read from the fake's own file rather than through the
 * app's parsing: 'not_found' where the fake answers 404, else the file's hashes and engine counts.
 */
export function expectedRow(sim: VtSimulator, input: string) {
  const file = sim.fileFor(input);
  if (!file) return { status: 'not_found' };
  const a = file.data.attributes as {
    md5: string; sha1: string; sha256: string;
    last_analysis_stats: Record<string, number>;
    last_analysis_results: Record<string, { category: string; result: string | null }>;
  };
  const fortinet = a.last_analysis_results['Fortinet'];
  return {
    status: 'found',
    sha256: file.data.id,
    sha1: a.sha1,
    md5: a.md5,
    malicious: a.last_analysis_stats['malicious'],
    suspicious: a.last_analysis_stats['suspicious'],
    undetected: a.last_analysis_stats['undetected'],
    harmless: a.last_analysis_stats['harmless'],
    fortinet: fortinet && ['malicious', 'suspicious'].includes(fortinet.category) ? fortinet.result : null,
  };
}

/** The row says what the fake knows about its hash: the right file and counts, or not found. */
export function assertRowMatchesFake(sim: VtSimulator, item: ExportItem): void {
  const expected: Record<string, unknown> = expectedRow(sim, item.input);
  const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, item[k]]));
  assert.deepEqual(actual, expected, `line ${item.line} (${item.input})`);
}

/** The file a hash names, by its SHA-256 where the fake has one; a 404 hash stands for itself. */
export const fileKey = (sim: VtSimulator, hash: string): string => sim.fileFor(hash)?.data.id ?? hash.toLowerCase();
