import { MINUTE_MS, minuteName } from '../../src/feeds/feed-minute.js';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { TEST_KEY, waitFor, type TestApp } from './test-app.js';
import type { TestDatabase } from './test-database.js';

export interface FeedSim {
  sim: VtSimulator;
  /** The fake's clock: it publishes a minute once this is 60 minutes past it. Frozen unless set. */
  setNow(ms: number): void;
  now(): number;
}

/** A fake VirusTotal whose clock stands still (at `at`), so which minutes it publishes is fixed. */
export async function startFeedSim(at: number, feeds: { objectsPerMinute?: number; poolSize?: number } = {}): Promise<FeedSim> {
  let now = at;
  const sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 1000, perDay: 100_000 } }, now: () => now, feeds });
  return {
    sim,
    setNow(ms) {
      now = ms;
    },
    now: () => now,
  };
}

/** The minute `minutes` minutes before `at`. */
export const minuteBefore = (at: number, minutes: number) => minuteName(at - minutes * MINUTE_MS);

export interface FeedStateRow {
  minute: string;
  line: number;
  missing_in_row: number;
  paused_reason: string | null;
  objects_day: number;
  last_error: string | null;
}

export async function feedState(db: TestDatabase, feed: string): Promise<FeedStateRow | undefined> {
  return db.row<FeedStateRow>('SELECT minute, line, missing_in_row, paused_reason, objects_day, last_error FROM feed_state WHERE feed = ?', feed);
}

/** Waits until the feed has read every minute the fake publishes at `simNow` and waits for the next. */
export async function waitCaughtUp(db: TestDatabase, feed: string, simNow: number, timeoutMs = 90_000): Promise<FeedStateRow> {
  const next = minuteName(simNow - 60 * MINUTE_MS + MINUTE_MS);
  return waitFor(async () => {
    const state = await feedState(db, feed);
    return state && state.minute >= next && state.line === 0 ? state : null;
  }, `the ${feed} feed to reach ${next}`, timeoutMs);
}

/** Every id the fake served in the batches downloaded so far, with the newest analysis date seen (ISO). */
export function newestServed(app: Pick<TestApp, 'sim'>, feed: string): Map<string, string> {
  const newest = new Map<string, string>();
  for (const key of new Set(app.sim.feeds.downloads)) {
    const [type, minute] = key.split('/') as [string, string];
    if (type !== feed) continue;
    for (const line of app.sim.feeds.lines(type as 'domains', minute)) {
      const object = JSON.parse(line) as { id: string; attributes: { last_analysis_date: number } };
      const date = new Date(object.attributes.last_analysis_date * 1000).toISOString();
      if ((newest.get(object.id) ?? '') < date) newest.set(object.id, date);
    }
  }
  return newest;
}

/** Feed tuning for tests: quick polls and retries, small write groups (so batches span several). */
export const FEED_TUNING = { feedPollMs: 50, feedRetryMs: 60_000, feedPauseMs: 3_600_000, feedGroupLines: 4 };
