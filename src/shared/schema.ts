import type { AppSettingTable, AuthThrottleTable, EmailConfirmationTable, SessionTable, UserTable } from '../auth/user.table.js';
import type { CacheAliasTable, CacheEntryTable, LookupJobTable, VtAnswerTable, VtCallTable } from '../lookups/lookup.table.js';
import type { ReportItemTable, ReportTable } from '../reports/report.table.js';
import type { ReportCountsTable } from '../reports/report-counts.table.js';
import type { UserApiKeyTable } from '../settings/user-api-key.table.js';
import type { ConnectorFileTable } from '../connector/connector.table.js';
import type { ApiTokenTable } from '../api/api-token.table.js';
import type { UserRateWindowTable } from './user-rate-window.table.js';
import type { DownloadSlotTable } from '../reports/download-slot.table.js';
import type { DispatcherStateTable } from '../lookups/dispatcher-state.table.js';
import type { ReportWatchTable, WatchBaselineTable, WatchChangeTable, WatchCheckTable } from '../watch/watch.table.js';
import type { FeedFailedBatchTable, FeedStateTable, FeedUrlTable } from '../feeds/feed.table.js';

/** The whole database as Kysely sees it, assembled from each feature's table file. */
export interface Database {
  users: UserTable;
  sessions: SessionTable;
  app_settings: AppSettingTable;
  auth_throttle: AuthThrottleTable;
  email_confirmations: EmailConfirmationTable;
  reports: ReportTable;
  report_items: ReportItemTable;
  report_counts: ReportCountsTable;
  cache_entries: CacheEntryTable;
  cache_aliases: CacheAliasTable;
  lookup_jobs: LookupJobTable;
  vt_calls: VtCallTable;
  vt_answers: VtAnswerTable;
  user_api_keys: UserApiKeyTable;
  connector_files: ConnectorFileTable;
  api_tokens: ApiTokenTable;
  user_rate_windows: UserRateWindowTable;
  download_slots: DownloadSlotTable;
  dispatcher_state: DispatcherStateTable;
  report_watches: ReportWatchTable;
  watch_baseline: WatchBaselineTable;
  watch_checks: WatchCheckTable;
  watch_changes: WatchChangeTable;
  feed_state: FeedStateTable;
  feed_failed_batches: FeedFailedBatchTable;
  feed_urls: FeedUrlTable;
}
