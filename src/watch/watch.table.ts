import type { Generated, Selectable } from 'kysely';

/** A watched report: re-checked from `next_check_at` on; `checking_since` while a re-check waits for answers. */
export interface ReportWatchTable {
  report_id: string;
  user_id: number;
  created_at: number;
  next_check_at: number;
  checking_since: number | null;
  last_check_at: number | null;
}

/** A row as it was when a re-check sent it back to the queue. */
export interface WatchBaselineTable {
  report_id: string;
  item_id: number;
  verdict: string;
  malicious: number | null;
  fortinet: string | null;
}

export type WatchEmailStatus = 'pending' | 'sent' | 'failed';

/** A finished re-check that found changes, with the state of its one email. */
export interface WatchCheckTable {
  id: Generated<number>;
  report_id: string;
  started_at: number;
  finished_at: number;
  changes: number;
  email_status: WatchEmailStatus;
  email_attempts: Generated<number>;
  email_next_at: number | null;
  email_error: string | null;
}

/** One change to one row, before and after. `kinds`: comma list of ChangeKind. */
export interface WatchChangeTable {
  id: Generated<number>;
  check_id: number;
  report_id: string;
  line: number;
  input: string;
  kinds: string;
  before_verdict: string;
  after_verdict: string;
  before_malicious: number | null;
  after_malicious: number | null;
  before_fortinet: string | null;
  after_fortinet: string | null;
}

export type ReportWatchRow = Selectable<ReportWatchTable>;
export type WatchChangeRow = Selectable<WatchChangeTable>;
