import type { ReportSummary } from '../../src/reports/report-summary.js';
import type { ReportItemRow } from '../../src/reports/report.table.js';

// A fixed report for the byte-for-byte export test (tests/unit/export-files.test.ts): the files made
// from it are kept in tests/fixtures/exports/, as the exports wrote them before they were made faster.

const NO_ANSWER = {
  verdict: 'pending', sha256: null, sha1: null, md5: null, malicious: null, suspicious: null, undetected: null, harmless: null, engines: null,
  fortinet: null, reputation: null, categories: null, as_owner: null, country: null, last_analysis_date: null, meaningful_name: null,
  threat_label: null, answer_id: null, looked_up_at: null, from_cache: null, from_feed: 0, error: null, refresh_after: null,
} as const;

const SHA = (i: number) => i.toString(16).padStart(64, 'a');

/** `n` rows cycling through every kind of row an export meets: answered files, domains, IPs, invalid lines, errors, awkward text. */
export function fixtureRows(n: number): ReportItemRow[] {
  const rows: ReportItemRow[] = [];
  for (let i = 0; i < n; i++) {
    const base = { ...NO_ANSWER, id: i + 1, report_id: 'fixture', line: i + 1 };
    switch (i % 8) {
      case 0:
        rows.push({ ...base, input: SHA(i), hash: SHA(i), hash_type: 'sha256', status: 'found', verdict: 'malicious', sha256: SHA(i), sha1: SHA(i).slice(0, 40), md5: SHA(i).slice(0, 32),
          malicious: 41 + (i % 9), suspicious: 1, undetected: 20, harmless: 0, engines: 70, fortinet: 'W32/Agent.X!tr', last_analysis_date: '2026-11-02T10:20:30.000Z',
          meaningful_name: `sample "${i}".exe`, threat_label: 'trojan.agent/x', answer_id: 7, looked_up_at: 1_790_000_000_000 + i, from_cache: i % 2 });
        break;
      case 1:
        rows.push({ ...base, input: `=cmd|' /C calc'!A${i}`, hash: null, hash_type: null, status: 'invalid', verdict: 'invalid' });
        break;
      case 2:
        rows.push({ ...base, input: `hxxps://evil${i}[.]example/a,b;c`, hash: `evil${i}.example`, hash_type: 'domain', status: 'found', verdict: 'suspicious', reputation: -37,
          categories: JSON.stringify(['phishing', 'malware; "bad"']), fortinet: 'malware', malicious: 0, suspicious: 3, engines: 90, looked_up_at: 1_790_000_000_000, from_cache: 0 });
        break;
      case 3:
        rows.push({ ...base, input: `2001:db8::${i}`, hash: `2001:db8::${i}`, hash_type: 'ip', status: 'found', verdict: 'not_suspicious', as_owner: 'Example AS, "Inc"', country: 'DE',
          reputation: 0, malicious: 0, suspicious: 0, engines: 90, looked_up_at: 1_790_000_000_000, from_cache: 1 });
        break;
      case 4:
        rows.push({ ...base, input: SHA(i).slice(0, 32), hash: SHA(i).slice(0, 32), hash_type: 'md5', status: 'found', verdict: 'not_found', looked_up_at: 1_790_000_000_000, from_cache: 0 });
        break;
      case 5:
        rows.push({ ...base, input: SHA(i), hash: SHA(i), hash_type: 'sha256', status: 'error', verdict: 'error', error: 'VirusTotal answered 503,\nthen "timed out"' });
        break;
      case 6:
        rows.push({ ...base, input: `+${SHA(i).slice(0, 40)}\tnote ünïcødé — ✓`, hash: SHA(i).slice(0, 40), hash_type: 'sha1', status: 'pending', verdict: 'pending' });
        break;
      default:
        rows.push({ ...base, input: SHA(i), hash: SHA(i), hash_type: 'sha256', status: 'found', verdict: 'clean', sha256: SHA(i), malicious: 0, suspicious: 0, undetected: 65,
          harmless: 5, engines: 70, last_analysis_date: '2025-01-01T00:00:00.000Z', meaningful_name: '@setup.msi', looked_up_at: 1_790_000_000_000, from_cache: 1 });
    }
  }
  return rows;
}

export const fixtureReport: ReportSummary = {
  id: 'fixture',
  name: 'Fixture, "quoted" — report',
  status: 'running',
  createdAt: new Date('2026-11-01T08:00:00.000Z'),
  completedAt: null,
  counts: { malicious: 1, suspicious: 1, clean: 1, notSuspicious: 1, notFound: 1, invalid: 1, error: 1, pending: 1, total: 8 },
  progress: 0.75,
  sameFile: 2,
  email: null,
};

export async function* asRows(rows: ReportItemRow[]): AsyncGenerator<ReportItemRow> {
  yield* rows;
}
