/**
 * What another user would feel while something runs: the longest the app's event loop could not
 * answer. Tests start the app in this process (startTestApp), so the monitor sees its loop.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';

/**
 * Runs `work` and returns its result with the longest event-loop stall seen meanwhile, in ms. The
 * monitor runs a little before and after the work: a stall is only recorded when the timer that
 * it held back fires, and one starting in the monitor's first tick would go unseen.
 */
export async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // A second witness: the longest gap between ticks of a 10 ms interval.
  let last = performance.now();
  let longestGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last - 10);
    last = now;
  }, 10);
  try {
    await settle(40);
    const result = await work();
    await settle(40);
    const stallMs = Math.max(histogram.max / 1e6, longestGap);
    if (process.env.STALL_TEST_VERBOSE) console.log(`longest stall ${stallMs.toFixed(0)} ms`);
    return { result, stallMs };
  } finally {
    clearInterval(ticker);
    histogram.disable();
  }
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A completed report of `rows` answered rows for `userId`, written straight into the app's SQLite
 * file on a connection of the test's own (as scripts/bench.ts seeds its cache): set-up, not what
 * is measured, and far faster than uploading and answering a list this long.
 */
export function seedLargeReport(databasePath: string, userId: number, rows: number): string {
  const id = randomBytes(16).toString('base64url');
  const started = performance.now();
  const sqlite = new SQLite(databasePath);
  sqlite.pragma('busy_timeout = 5000');
  try {
    const item = sqlite.prepare(
      `INSERT INTO report_items (report_id, line, input, hash, hash_type, status, verdict, sha256, malicious, suspicious, engines, last_analysis_date)
       VALUES (?, ?, ?, ?, 'sha256', 'found', ?, ?, ?, 0, 70, ?)`,
    );
    sqlite.transaction(() => {
      sqlite.prepare(`INSERT INTO reports (id, user_id, name, state, created_at, completed_at, total) VALUES (?, ?, 'large', 'completed', ?, ?, ?)`)
        .run(id, userId, Date.now(), Date.now(), rows);
      for (let i = 0; i < rows; i++) {
        // In order, so the hash indexes are appended to, not written at random: seconds, not minutes.
        const hash = i.toString(16).padStart(64, '0');
        const malicious = i % 10 === 0 ? 1 + (i % 60) : 0;
        item.run(id, i + 1, hash, hash, malicious > 0 ? 'malicious' : 'clean', hash, malicious, new Date(1.7e12 - i * 1000).toISOString());
      }
    })();
  } finally {
    sqlite.close();
  }
  if (process.env.STALL_TEST_VERBOSE) console.log(`seeded ${rows} rows in ${(performance.now() - started).toFixed(0)} ms`);
  return id;
}
