import type { ChangeLine } from '../mail/watch-changes-email.js';
import { describeKind } from './row-changes.js';
import type { WatchChangeRow } from './watch.table.js';

/** A row's answer in a few words: "malicious, 12 detections, Fortinet W32/Agent.AB!tr". */
function side(verdict: string, malicious: number | null, fortinet: string | null): string {
  const parts = [verdict.replace('_', ' ')];
  if (verdict !== 'not_found' && malicious != null) parts.push(`${malicious} detection${Number(malicious) === 1 ? '' : 's'}`);
  if (fortinet) parts.push(`Fortinet ${fortinet}`);
  return parts.join(', ');
}

/** A stored change as the Changes page, the API and the email show it. */
export function toChangeLine(row: WatchChangeRow): ChangeLine & { kinds: string[] } {
  const kinds = row.kinds.split(',').filter(Boolean);
  return {
    line: Number(row.line),
    input: row.input,
    kinds,
    what: kinds.map(describeKind).join(', '),
    before: side(row.before_verdict, row.before_malicious == null ? null : Number(row.before_malicious), row.before_fortinet),
    after: side(row.after_verdict, row.after_malicious == null ? null : Number(row.after_malicious), row.after_fortinet),
  };
}
