import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { LookupType } from '../lookups/lookup.types.js';
import type { VtResultColumns } from '../lookups/vt-result.columns.js';

export type ReportState = 'importing' | 'active' | 'completed';
export type EmailStatus = 'waiting' | 'pending' | 'sent' | 'failed';
export type ItemStatus = 'pending' | 'found' | 'not_found' | 'invalid' | 'error';
/** Files: malicious, suspicious or clean; domains and IPs: suspicious or not_suspicious. */
export type Verdict = 'pending' | 'malicious' | 'suspicious' | 'clean' | 'not_suspicious' | 'not_found' | 'invalid' | 'error';

export interface ReportTable {
  id: string;
  user_id: number;
  name: string;
  state: ReportState;
  total: Generated<number>;
  created_at: number;
  completed_at: number | null;
  notify_email: Generated<number>;
  email_status: EmailStatus | null;
  email_attempts: Generated<number>;
  email_next_at: number | null;
  email_error: string | null;
  /** list: an upload; lookups: the user's one report of values asked for through GET /api/v1/lookup. */
  kind: Generated<'list' | 'lookups'>;
}

/**
 * A line of a report. Its answer columns (vt-result.columns.ts) are copied from the cache entry that
 * answered it; `answer_id` keeps VirusTotal's whole answer after the cache entry is gone.
 */
export interface ReportItemTable extends VtResultColumns<Verdict> {
  id: Generated<number>;
  report_id: string;
  line: number;
  input: string;
  /** The value looked up (a hash, a domain or an IP), null for an invalid line. */
  hash: string | null;
  hash_type: LookupType | null;
  status: ItemStatus;
  looked_up_at: number | null;
  from_cache: number | null;
  /** 1: the answer came from a VirusTotal feed (copied from the cache entry with it). */
  from_feed: Generated<number>;
  error: string | null;
  /** While pending after a forced refresh: only an answer fetched at or after this may fill the row. */
  refresh_after: number | null;
}

export type ReportRow = Selectable<ReportTable>;
export type NewReportRow = Insertable<ReportTable>;
export type ReportUpdate = Updateable<ReportTable>;
export type ReportItemRow = Selectable<ReportItemTable>;
