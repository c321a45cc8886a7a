import type { Executor } from '../shared/database.js';
import type { FeedFailedBatchRow, FeedStateRow, FeedType } from './feed.table.js';

// Each feed's cursor and status (feed_state) and its batches to try again (feed_failed_batches).

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The feed's state, made at `startMinute` the first time the feed runs. */
export async function loadFeedState(db: Executor, feed: FeedType, startMinute: string, now: number): Promise<FeedStateRow> {
  await db.insertInto('feed_state').values({ feed, minute: startMinute, updated_at: now }).onConflict((oc) => oc.column('feed').doNothing()).execute();
  return db.selectFrom('feed_state').selectAll().where('feed', '=', feed).executeTakeFirstOrThrow();
}

export async function listFeedStates(db: Executor): Promise<FeedStateRow[]> {
  return db.selectFrom('feed_state').selectAll().orderBy('feed').execute();
}

/**
 * Moves the cursor over `objects` lines just stored, in the transaction that stored them: a restart
 * reads on after exactly these lines. `done` moves it to the start of the next minute instead.
 */
export async function advanceCursor(db: Executor, feed: FeedType, to: { minute: string; line: number }, objects: number, now: number): Promise<void> {
  const day = dayOf(now);
  await db
    .updateTable('feed_state')
    .set((eb) => ({
      minute: to.minute,
      line: to.line,
      objects_day: eb.case().when('day', '=', day).then(eb('objects_day', '+', objects)).else(objects).end(),
      day,
      updated_at: now,
    }))
    .where('feed', '=', feed)
    .execute();
}

/** A minute VirusTotal had no batch for: skipped, counted (five in a row pause the feed). Returns the count. */
export async function skipMissingMinute(db: Executor, feed: FeedType, next: string, now: number): Promise<number> {
  const row = await db
    .updateTable('feed_state')
    .set((eb) => ({ minute: next, line: 0, missing_in_row: eb('missing_in_row', '+', 1), updated_at: now }))
    .where('feed', '=', feed)
    .returning('missing_in_row')
    .executeTakeFirstOrThrow();
  return row.missing_in_row;
}

export async function recordBatchDone(db: Executor, feed: FeedType, batch: { objects: number; ms: number }, now: number): Promise<void> {
  await db
    .updateTable('feed_state')
    .set({ missing_in_row: 0, last_batch_objects: batch.objects, last_batch_ms: batch.ms, updated_at: now })
    .where('feed', '=', feed)
    .execute();
}

export async function recordFeedError(db: Executor, feed: FeedType, error: string, now: number): Promise<void> {
  await db.updateTable('feed_state').set({ last_error: error, last_error_at: now, updated_at: now }).where('feed', '=', feed).execute();
}

/** Pauses the feed until `until` (null: clears the pause). */
export async function setFeedPause(db: Executor, feed: FeedType, pause: { reason: string; until: number } | null, now: number): Promise<void> {
  await db
    .updateTable('feed_state')
    .set(pause ? { paused_reason: pause.reason, paused_until: pause.until, last_error: pause.reason, last_error_at: now, updated_at: now } : { paused_reason: null, paused_until: null, missing_in_row: 0, updated_at: now })
    .where('feed', '=', feed)
    .execute();
}

/** A batch that broke after `line` stored lines: kept to try again from there at `retryAt`. */
export async function recordFailedBatch(db: Executor, batch: { feed: FeedType; minute: string; line: number; reason: string }, now: number, retryAt: number): Promise<void> {
  await db
    .insertInto('feed_failed_batches')
    .values({ ...batch, failed_at: now, retry_at: retryAt })
    .onConflict((oc) =>
      oc.columns(['feed', 'minute']).doUpdateSet((eb) => ({ line: batch.line, reason: batch.reason, failed_at: now, retry_at: retryAt, attempts: eb('feed_failed_batches.attempts', '+', 1) })),
    )
    .execute();
}

export async function nextDueFailedBatch(db: Executor, feed: FeedType, now: number): Promise<FeedFailedBatchRow | undefined> {
  return db.selectFrom('feed_failed_batches').selectAll().where('feed', '=', feed).where('retry_at', '<=', now).orderBy('minute').limit(1).executeTakeFirst();
}

/** A failed batch's own cursor, moved in the transaction that stored its lines. */
export async function advanceFailedBatch(db: Executor, feed: FeedType, minute: string, line: number, objects: number, now: number): Promise<void> {
  await db.updateTable('feed_failed_batches').set({ line }).where('feed', '=', feed).where('minute', '=', minute).execute();
  const day = dayOf(now);
  await db
    .updateTable('feed_state')
    .set((eb) => ({ objects_day: eb.case().when('day', '=', day).then(eb('objects_day', '+', objects)).else(objects).end(), day, updated_at: now }))
    .where('feed', '=', feed)
    .execute();
}

export async function deleteFailedBatch(db: Executor, feed: FeedType, minute: string): Promise<void> {
  await db.deleteFrom('feed_failed_batches').where('feed', '=', feed).where('minute', '=', minute).execute();
}

export async function listFailedBatches(db: Executor): Promise<FeedFailedBatchRow[]> {
  return db.selectFrom('feed_failed_batches').selectAll().orderBy('feed').orderBy('minute').execute();
}

/** Objects a feed brought that nothing refreshed since `cutoff`, and URL objects as old: gone. Returns how many. */
export async function deleteFeedObjectsBefore(db: Executor, cutoff: number): Promise<number> {
  const entries = await db.deleteFrom('cache_entries').where('from_feed', '=', 1).where('fetched_at', '<=', cutoff).executeTakeFirst();
  const urls = await db.deleteFrom('feed_urls').where('fetched_at', '<=', cutoff).executeTakeFirst();
  return Number(entries.numDeletedRows) + Number(urls.numDeletedRows);
}
