import type { Generated, Selectable } from 'kysely';

/** The four per-minute feeds VirusTotal publishes (virustotal-api.md §8), as named in their paths. */
export const FEED_TYPES = ['files', 'urls', 'domains', 'ip_addresses'] as const;
export type FeedType = (typeof FEED_TYPES)[number];

export interface FeedStateTable {
  feed: FeedType;
  /** The minute being read, YYYYMMDDhhmm (UTC), as the feed's path names it. */
  minute: string;
  /** Lines of that minute already stored: a restart reads on from here. */
  line: Generated<number>;
  /** 404s in a row; five pause the feed. */
  missing_in_row: Generated<number>;
  paused_reason: string | null;
  /** When a paused feed tries again (ms since the epoch). */
  paused_until: number | null;
  last_error: string | null;
  last_error_at: number | null;
  /** The UTC day objects_day counts (YYYY-MM-DD). */
  day: Generated<string>;
  objects_day: Generated<number>;
  last_batch_objects: Generated<number>;
  last_batch_ms: Generated<number>;
  updated_at: Generated<number>;
}

export interface FeedFailedBatchTable {
  feed: FeedType;
  minute: string;
  /** Lines of the batch already stored before it broke. */
  line: Generated<number>;
  reason: string;
  attempts: Generated<number>;
  failed_at: number;
  retry_at: number;
}

export interface FeedUrlTable {
  id: string;
  url: string | null;
  last_analysis_date: string | null;
  fetched_at: number;
  /** The URL object as the feed gave it, wrapped in `data` like a lookup's answer, gzipped. */
  body_gzip: Uint8Array;
}

export type FeedStateRow = Selectable<FeedStateTable>;
export type FeedFailedBatchRow = Selectable<FeedFailedBatchTable>;
