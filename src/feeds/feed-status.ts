import type { Executor } from '../shared/database.js';
import type { FeedType } from './feed.table.js';
import { minuteStart } from './feed-minute.js';
import { listFailedBatches, listFeedStates } from './feed-state.repository.js';

/** One feed as /admin shows it. */
export interface FeedStatus {
  feed: FeedType;
  /** "202612061830 line 1200": the minute being read and the lines of it stored. */
  cursor: string;
  /** How far the cursor is behind the clock (VirusTotal's own 60-minute lag included). */
  behindMs: number;
  objectsToday: number;
  /** The last whole batch's objects per second; null before one finished. */
  perSecond: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** Why the feed is paused; null while it runs. */
  paused: string | null;
  pausedUntil: Date | null;
  /** Garbled batches waiting to be tried again, with why. */
  failed: Array<{ minute: string; reason: string; attempts: number }>;
}

export async function loadFeedStatus(db: Executor, now = Date.now()): Promise<FeedStatus[]> {
  const [states, failed] = await Promise.all([listFeedStates(db), listFailedBatches(db)]);
  const today = new Date(now).toISOString().slice(0, 10);
  return states.map((s) => ({
    feed: s.feed,
    cursor: `${s.minute} line ${s.line}`,
    behindMs: Math.max(0, now - minuteStart(s.minute)),
    objectsToday: s.day === today ? s.objects_day : 0,
    perSecond: s.last_batch_ms > 0 ? Math.round((s.last_batch_objects * 1000) / s.last_batch_ms) : null,
    lastError: s.last_error,
    lastErrorAt: s.last_error_at === null ? null : new Date(Number(s.last_error_at)),
    paused: s.paused_reason,
    pausedUntil: s.paused_until === null ? null : new Date(Number(s.paused_until)),
    failed: failed.filter((f) => f.feed === s.feed).map((f) => ({ minute: f.minute, reason: f.reason, attempts: f.attempts })),
  }));
}
