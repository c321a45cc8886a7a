/**
 * `npm run bench -- watch [rows]`: what a watched report's re-check costs the main thread on SQLite
 * (better-sqlite3 runs each statement synchronously, so its wall time is time nobody else is served).
 * Seeds a report of `rows` answered rows (default 100,000) from a seeded cache, ages it a day, makes
 * 1 % of its values fresher in the cache with more detections (as a feed or a colleague would), then
 * times the two steps of the leader's re-check duty (and, for the start, the longest event-loop delay): starting it (snapshot, requeue, answers from the
 * cache, 100 lookups queued in the budget) and ending it (compare every re-checked row, keep the
 * changes, queue the email). The lookups between them are not measured: the quota paces them.
 */
import SQLite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { importHashList } from '../src/reports/report-import.js';
import { insertUser } from '../src/auth/user.repository.js';
import { insertWatch } from '../src/watch/watch.repository.js';
import { finishRechecks, startDueRechecks } from '../src/watch/recheck.service.js';
import { createReadPool } from '../src/shared/read-pool.js';
import { seededList } from './bench-seed.js';

const DAY = 86_400_000;

export async function benchWatch(args: string[]): Promise<void> {
  const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-bench-watch-'));
  const path = join(dir, 'bench.sqlite');
  try {
    const { db, close } = openDatabase(path);
    await migrateToLatest(db);
    const content = seededList(path, rows);
    const user = await insertUser(db, { email: 'bench@example.test', password_hash: 'x', created_at: Date.now() });
    const { reportId } = await importHashList({ db, cacheTtlMs: DAY }, { userId: user.id, name: 'bench', notify: false, content });
    await insertWatch(db, { reportId, userId: user.id, now: Date.now(), nextCheckAt: 0 });
    // Set-up on a connection of its own: a day older, and 1 % of the values newer in the cache.
    const raw = new SQLite(path);
    raw.prepare('UPDATE cache_entries SET fetched_at = fetched_at - ?').run(DAY + 3_600_000);
    raw.prepare('UPDATE report_items SET looked_up_at = looked_up_at - ? WHERE report_id = ?').run(DAY + 3_600_000, reportId);
    const fresher = raw.prepare("UPDATE cache_entries SET fetched_at = ?, malicious = coalesce(malicious, 0) + 10, verdict = 'malicious' WHERE verdict <> 'not_found' AND rowid % 100 = 0").run(Date.now()).changes;
    raw.close();
    const reads = createReadPool(path, db);
    const options = { cacheTtlMs: DAY, watch: { recheckMs: DAY, lookupsPerDay: 100, detectionsUp: 5 }, reads };

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let t = performance.now();
    await startDueRechecks(db, options, Date.now());
    const startMs = performance.now() - t;
    loop.disable();
    const requeued = await db.selectFrom('watch_baseline').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    // The 100 lookups "come back" unchanged, and the report completes, as the dispatcher would leave it.
    await db.updateTable('report_items').set({ status: 'found', verdict: 'clean', malicious: 0 }).where('status', '=', 'pending').execute();
    await db.updateTable('reports').set({ state: 'completed' }).where('id', '=', reportId).execute();
    t = performance.now();
    const found = await finishRechecks(db, options, Date.now());
    const finishMs = performance.now() - t;
    const changes = await db.selectFrom('watch_changes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    console.log(`watch: ${rows.toLocaleString('en')} rows; ${fresher.toLocaleString('en')} values fresher in the cache`);
    console.log(`  start re-check: ${startMs.toFixed(0)} ms (${Number(requeued?.n).toLocaleString('en')} rows re-checked, 100 lookups queued); longest event-loop block ${(loop.max / 1e6).toFixed(0)} ms`);
    console.log(`  end re-check:   ${finishMs.toFixed(0)} ms (${Number(changes?.n).toLocaleString('en')} changes kept, ${found} email queued)`);
    await reads.close();
    await close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
