import { databaseLocation, type Config } from '../src/shared/config.js';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { advanceCursor, loadFeedState, setFeedPause } from '../src/feeds/feed-state.repository.js';
import type { FeedType } from '../src/feeds/feed.table.js';
import { minuteName, MINUTE_MS } from '../src/feeds/feed-minute.js';
import { minuteObjects, type SimFeedType } from './vt-simulator/feed-objects.js';

// The demo's feeds: small batches from the simulator, a few minutes of backfill, and values a user
// can paste that the feed is known to bring.

/** Small batches: the /admin panel fills while the demo stays light on CPU. */
export const DEMO_FEED_OPTIONS = { objectsPerMinute: 30, poolSize: 300 };

/**
 * Starts each feed `backfillMinutes` ago on every demo start, as a first start would: the demo's
 * database outlives the demo, and a cursor left hours back would spend minutes of CPU catching up.
 */
export async function restartDemoFeeds(config: Readonly<Config>, now = Date.now()): Promise<void> {
  const { db } = openDatabase(databaseLocation(config));
  try {
    await migrateToLatest(db);
    const minute = minuteName(now - config.feeds.backfillMinutes * MINUTE_MS);
    for (const feed of config.feeds.types) {
      await loadFeedState(db, feed, minute, now);
      await advanceCursor(db, feed, { minute, line: 0 }, 0, now);
      await setFeedPause(db, feed, null, now);
    }
  } finally {
    await db.destroy();
  }
}

/**
 * Per feed, the first object of the second backfilled minute (the runner may start a minute later
 * than this process computes, never two), from the simulator's own deterministic generator.
 */
export function valuesInFeed(types: readonly FeedType[], backfillMinutes: number, now = Date.now()): Partial<Record<FeedType, string>> {
  const minuteStartMs = Math.floor((now - (backfillMinutes - 1) * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
  const values: Partial<Record<FeedType, string>> = {};
  for (const type of types.filter((t) => t !== 'urls')) {
    const [first] = minuteObjects(type as SimFeedType, minuteStartMs, DEMO_FEED_OPTIONS.objectsPerMinute, DEMO_FEED_OPTIONS.poolSize);
    if (first) values[type] = type === 'files' ? String(first.attributes.md5) : first.id;
  }
  return values;
}
