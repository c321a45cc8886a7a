import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { FeedSettings } from '../shared/feed-settings.js';
import type { Thresholds } from '../lookups/verdict.js';
import type { FeedType } from './feed.table.js';
import { ingestBatch, type BatchDeps } from './feed-batch.js';
import { FEED_LAG_MS, isPublished, MINUTE_MS, minuteName, minuteStart, nextMinute } from './feed-minute.js';
import * as state from './feed-state.repository.js';

export interface FeedTuning {
  /** How long to wait when the next minute is not published yet. Default 20 s. */
  feedPollMs?: number;
  /** How long a garbled batch waits before it is tried again. Default 10 min. */
  feedRetryMs?: number;
  /** How long a refused feed, or one missing five minutes in a row, stays paused. Default 15 min. */
  feedPauseMs?: number;
  /** Lines per write transaction. Default 500. */
  feedGroupLines?: number;
}

export interface FeedRunnerDeps {
  db: Db;
  logger: Logger;
  apiUrl: string;
  settings: FeedSettings;
  thresholds: Thresholds;
  cacheTtlMs: number;
  onReportsTouched: (reportIds: string[]) => Promise<void>;
  tuning?: FeedTuning;
  now?: () => number;
}

/** VirusTotal keeps a batch this long; an older cursor jumps to the oldest batch still there. */
const KEPT_MS = 7 * 24 * 60 * MINUTE_MS - 10 * MINUTE_MS;
const MISSING_IN_A_ROW_PAUSES = 5;
const TRANSIENT_WAIT_MS = 30_000;
const HOUR_MS = 3_600_000;
/** About this many characters of lines per transaction: what one write holds in memory (512 KB: +100 MB peak RSS for a 200 MB batch on PostgreSQL, against +131 MB at 2 MB; figures.md). */
export const GROUP_BYTES = 512 << 10;

/**
 * Reads every enabled feed, a minute after the other, into the shared cache: a leader duty (one
 * instance reads, or objects would be counted twice). Each feed runs its own loop; a paused or
 * failing feed does not hold up another, and lookups never wait for any.
 */
export class FeedRunner {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly now: () => number;
  private readonly tuning: Required<FeedTuning>;
  /** Feeds whose last step was a retry: the next reads a new minute. */
  private readonly retriedLast = new Set<FeedType>();

  constructor(private readonly deps: FeedRunnerDeps) {
    this.now = deps.now ?? Date.now;
    this.tuning = { feedPollMs: 20_000, feedRetryMs: 600_000, feedPauseMs: 900_000, feedGroupLines: 500, ...deps.tuning };
  }

  start(): void {
    const { apiKey, types } = this.deps.settings;
    if (types.length === 0) return;
    if (!apiKey) {
      this.deps.logger.warn('VT_FEEDS is set but there is no key to fetch them with (VT_FEED_API_KEY or a shared key); feeds are off');
      return;
    }
    this.loops = [...types.map((feed) => this.run(feed, apiKey)), this.housekeeping()];
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }

  private async run(feed: FeedType, apiKey: string): Promise<void> {
    const { logger } = this.deps;
    const batch: BatchDeps = {
      db: this.deps.db,
      apiUrl: this.deps.apiUrl,
      apiKey,
      thresholds: this.deps.thresholds,
      cacheTtlMs: this.deps.cacheTtlMs,
      groupLines: this.tuning.feedGroupLines,
      groupBytes: GROUP_BYTES,
      bzip2: this.deps.settings.bzip2,
      now: this.now,
      onReportsTouched: this.deps.onReportsTouched,
      signal: this.abort.signal,
    };
    while (!this.abort.signal.aborted) {
      let wait: number;
      try {
        wait = await this.step(feed, batch);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        logger.error({ err, feed }, 'feed step failed');
        await state.recordFeedError(this.deps.db, feed, (err as Error).message, this.now()).catch(() => undefined);
        wait = TRANSIENT_WAIT_MS;
      }
      if (wait > 0 && !(await this.pause(wait))) return;
    }
  }

  /** One step of a feed: a due retry, else the next minute. Returns how long to wait before the next step. */
  private async step(feed: FeedType, batch: BatchDeps): Promise<number> {
    const { db, logger } = this.deps;
    const now = this.now();
    const current = await state.loadFeedState(db, feed, minuteName(now - this.deps.settings.backfillMinutes * MINUTE_MS), now);
    if (current.paused_until !== null) {
      if (current.paused_until > now) return current.paused_until - now;
      await state.setFeedPause(db, feed, null, now);
      logger.info({ feed }, 'feed resumes after its pause');
    }
    let minute = current.minute;
    if (minuteStart(minute) < now - KEPT_MS) {
      minute = minuteName(now - KEPT_MS);
      logger.warn({ feed, from: current.minute, to: minute }, 'feed cursor is older than VirusTotal keeps batches; jumping ahead');
      await state.advanceCursor(db, feed, { minute, line: 0 }, 0, now);
    }
    // Retries take turns with new minutes, so batches that keep failing never hold the feed back.
    const retry = await state.nextDueFailedBatch(db, feed, now);
    if (retry && (!isPublished(minute, now) || !this.retriedLast.has(feed))) {
      this.retriedLast.add(feed);
      return this.retryFailed(feed, batch, retry);
    }
    this.retriedLast.delete(feed);
    if (!isPublished(minute, now)) return Math.min(this.tuning.feedPollMs, minuteStart(minute) + FEED_LAG_MS - now + 1000);
    const line = minute === current.minute ? current.line : 0;
    const result = await ingestBatch(batch, feed, minute, line, (trx, at, objects) => state.advanceCursor(trx, feed, { minute, line: at }, objects, this.now()));
    switch (result.kind) {
      case 'done':
        await db.transaction().execute(async (trx) => {
          await state.advanceCursor(trx, feed, { minute: nextMinute(minute), line: 0 }, 0, this.now());
          await state.recordBatchDone(trx, feed, result, this.now());
        });
        logger.debug({ feed, minute, objects: result.objects }, 'feed batch stored');
        return 0;
      case 'missing': {
        const inRow = await state.skipMissingMinute(db, feed, nextMinute(minute), now);
        logger.warn({ feed, minute, inRow }, 'feed batch missing (404); skipped');
        if (inRow >= MISSING_IN_A_ROW_PAUSES) await this.pauseFeed(feed, `${inRow} minutes in a row missing (404), up to ${minute}`);
        return 0;
      }
      case 'not_yet':
        return this.tuning.feedPollMs;
      case 'refused':
        await this.pauseFeed(feed, `VirusTotal refused the feed key (${result.reason})`);
        return 0;
      case 'transient':
        logger.warn({ feed, minute, reason: result.reason }, 'feed batch failed; will try again');
        await state.recordFeedError(db, feed, result.reason, now);
        return TRANSIENT_WAIT_MS;
      case 'garbled':
        logger.error({ feed, minute, line: result.line, reason: result.reason }, 'feed batch garbled; marked failed, reading on');
        await db.transaction().execute(async (trx) => {
          await state.recordFailedBatch(trx, { feed, minute, line: result.line, reason: result.reason }, now, now + this.tuning.feedRetryMs);
          await state.advanceCursor(trx, feed, { minute: nextMinute(minute), line: 0 }, 0, now);
          await state.recordFeedError(trx, feed, `batch ${minute}: ${result.reason}`, now);
        });
        return 0;
    }
  }

  private async retryFailed(feed: FeedType, batch: BatchDeps, failed: { minute: string; line: number }): Promise<number> {
    const { db, logger } = this.deps;
    const { minute } = failed;
    const result = await ingestBatch(batch, feed, minute, failed.line, (trx, at, objects) => state.advanceFailedBatch(trx, feed, minute, at, objects, this.now()));
    const now = this.now();
    if (result.kind === 'done' || result.kind === 'missing') {
      await state.deleteFailedBatch(db, feed, minute);
      logger.info({ feed, minute, result: result.kind }, 'failed feed batch settled');
      return 0;
    }
    if (result.kind === 'refused') {
      await this.pauseFeed(feed, `VirusTotal refused the feed key (${result.reason})`);
      return 0;
    }
    const reason = result.kind === 'garbled' ? result.reason : result.kind === 'transient' ? result.reason : 'not available yet';
    const line = result.kind === 'garbled' ? result.line : failed.line;
    await state.recordFailedBatch(db, { feed, minute, line, reason }, now, now + this.tuning.feedRetryMs);
    return 0;
  }

  private async pauseFeed(feed: FeedType, reason: string): Promise<void> {
    const now = this.now();
    this.deps.logger.error({ feed, reason }, 'feed paused');
    await state.setFeedPause(this.deps.db, feed, { reason, until: now + this.tuning.feedPauseMs }, now);
  }

  /** Objects no feed or lookup refreshed within VT_FEED_RETENTION_HOURS go, hourly. */
  private async housekeeping(): Promise<void> {
    while (await this.pause(HOUR_MS)) {
      try {
        const gone = await state.deleteFeedObjectsBefore(this.deps.db, this.now() - this.deps.settings.retentionMs);
        this.deps.logger.info({ gone }, 'feed retention');
      } catch (err) {
        this.deps.logger.error({ err }, 'feed retention failed');
      }
    }
  }

  /** Waits `ms`; false when the runner stopped meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }
}
