/**
 * `npm run bench`: measures the upload path on a real SQLite file: parsing and storing a list of
 * N lines (default 100,000 and 1,000,000; `npm run bench -- 250000` for others), with a share of
 * duplicates, invalid lines and cache hits. Prints wall time, rows per second and peak RSS.
 * Lookups are not involved: the quota, not the CPU, paces them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { importHashList } from '../src/reports/report-import.js';
import { upsertNotFoundEntry } from '../src/lookups/cache.repository.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const runs = sizes.length > 0 ? sizes : [100_000, 1_000_000];

function buildList(lines: number): { content: Buffer; cached: string[] } {
  const parts: string[] = [];
  const cached: string[] = [];
  for (let i = 0; i < lines; i++) {
    if (i % 50 === 49) parts.push('not a hash, line ' + i);
    else if (i % 20 === 19 && i > 0) parts.push(parts[i - 7] ?? '');
    else {
      const hash = randomBytes(32).toString('hex');
      if (i % 10 === 3) cached.push(hash);
      parts.push(`${hash}  file-${i}.bin`);
    }
  }
  return { content: Buffer.from(parts.join('\n')), cached };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

console.log(`node ${process.version}, ${process.arch}`);
for (const lines of runs) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const { db, sqlite } = openDatabase(join(dir, 'bench.sqlite'));
  await migrateToLatest(db);
  await db.insertInto('users').values({ email: 'bench@example.test', password_hash: 'x', created_at: Date.now() }).execute();
  const { content, cached } = buildList(lines);
  await new Promise((r) => setTimeout(r, 100));
  for (const hash of cached) await upsertNotFoundEntry(db, hash, Date.now());
  (globalThis as { gc?: () => void }).gc?.();
  peakRss = process.memoryUsage().rss;
  const baseRss = peakRss;
  const started = process.hrtime.bigint();
  const { reportId } = await importHashList({ db, sqlite, cacheTtlMs: 86_400_000 }, { userId: 1, name: 'bench', notify: false, content });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const rows = await db.selectFrom('report_items').select((eb) => eb.fn.countAll<number>().as('n')).where('report_id', '=', reportId).executeTakeFirstOrThrow();
  const jobs = await db.selectFrom('lookup_jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  console.log(
    `${lines.toLocaleString('en')} lines (${(content.length / 1048576).toFixed(1)} MB): ${seconds.toFixed(2)} s, ` +
      `${Math.round(lines / seconds).toLocaleString('en')} lines/s, ${Number(rows.n).toLocaleString('en')} rows, ` +
      `${Number(jobs.n).toLocaleString('en')} jobs queued, ${cached.length.toLocaleString('en')} cache hits, ` +
      `peak RSS ${(peakRss / 1048576).toFixed(0)} MB (+${((peakRss - baseRss) / 1048576).toFixed(0)} MB over the start of the import)`,
  );
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
}
clearInterval(sampler);
