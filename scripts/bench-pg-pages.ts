/**
 * `npx tsx scripts/bench-pg-pages.ts [lines] [--seconds=N] [--engine=sqlite] [--no-vacuum] [--exports=N]`: the report
 * page on PostgreSQL (or SQLite, the page times only) right after a big import (issue 14). Imports a seeded list through the real form into a throwaway cluster, then
 * asks random pages, a verdict filter's random pages and a prefix search in turn for `seconds`,
 * printing each time beside what the cluster was doing (autovacuum on report_items, the table's
 * last vacuum/analyze), and EXPLAIN (ANALYZE, BUFFERS) of a deep jump now and after a VACUUM. Then downloads
 * the CSV and JSON exports `exports` times each (default 2), printing MB/s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { startChildApp } from '../tests/helpers/child-app.js';
import { HttpClient } from '../tests/helpers/http-client.js';
import { ensurePostgresBin, startPostgresCluster } from './postgres-cluster.js';
import { ENTRY_COLUMNS, seedData } from './bench-seed.js';
import { curlUpload } from './bench-lookup-rate.js';
import { percentile } from './bench-figures.js';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const lines = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 1_000_000;
const seconds = Number(option('seconds') ?? 60);
const sqlite = option('engine') === 'sqlite';
const exports = Number(option('exports') ?? 2);

const found = ensurePostgresBin(console.log);
if ('error' in found) throw new Error(found.error);
console.log(`${new Date().toISOString()}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const cluster = await startPostgresCluster(found.bin);
const dir = mkdtempSync(join(tmpdir(), 'bench-pg-pages-'));
const location = sqlite ? join(dir, 'report.sqlite') : cluster.url;
try {
  const { content, entries } = seedData(lines);
  const { db } = openDatabase(location);
  await migrateToLatest(db);
  const half = entries.filter((_, i) => i % 2 === 0);
  for (let i = 0; i < half.length; i += 1000) {
    const batch = half.slice(i, i + 1000);
    await db.insertInto('cache_entries').values(batch.map((e) => Object.fromEntries(ENTRY_COLUMNS.map((c, j) => [c, e[j]])) as never)).execute();
    await db.insertInto('cache_aliases').values(batch.map((e) => ({ hash: e[0], entry_key: e[0] }))).execute();
  }
  await db.destroy();
  const listFile = join(dir, 'list.txt');
  writeFileSync(listFile, content);
  const app = await startChildApp(sqlite ? location : join(dir, 'unused.sqlite'), 'http://127.0.0.1:9/api/v3', {
    env: { ...(sqlite ? {} : { DATABASE_URL: cluster.url }), VT_API_KEY: '', MAX_UPLOAD_MB: '200' },
    startTimeoutMs: 60_000,
  });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    const client = new HttpClient(app.url);
    await client.register('pgpages@example.test');
    await client.get('/reports/new');
    const begin = performance.now();
    const answer = await curlUpload(app.url, client, listFile);
    const id = /\/reports\/([\w-]+)$/.exec(answer.location)?.[1];
    if (answer.status !== '303' || !id) throw new Error(`upload answered ${answer.status}`);
    const imported = performance.now();
    console.log(`${lines} lines imported in ${((imported - begin) / 1000).toFixed(1)} s`);
    const explain = async (label: string) => {
      if (sqlite) return;
      const deep = Math.floor(lines * 0.9);
      for (const [what, text, params] of [
        ['line order, lines of a deep page', 'SELECT * FROM report_items WHERE report_id = $1 AND line >= $2 AND line <= $3 ORDER BY line', [id, deep, deep + 99]],
        ['verdict=malicious, deep jump (walk)', `SELECT line FROM report_items WHERE report_id = $1 AND verdict = 'malicious' ORDER BY line LIMIT 1 OFFSET $2`, [id, Math.floor(lines * 0.09)]],
        ['sort=detections, deep jump (walk)', 'SELECT coalesce(malicious, -1), coalesce(suspicious, -1), line FROM report_items WHERE report_id = $1 ORDER BY coalesce(malicious, -1) DESC, coalesce(suspicious, -1) DESC, line LIMIT 1 OFFSET $2', [id, deep]],
        ['search prefix, the MD5 range', `SELECT id FROM report_items WHERE report_id = $1 AND md5 IS NOT NULL AND md5 COLLATE "C" >= 'ab12' AND md5 COLLATE "C" < 'ab13' LIMIT 1000`, [id]],
      ] as const) {
        const started = performance.now();
        const plan = await admin.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params as unknown as string[]);
        const lines = plan.rows.map((r) => r['QUERY PLAN'] as string);
        console.log(`-- ${label}: ${what} (${(performance.now() - started).toFixed(0)} ms)\n${lines.filter((l) => /Scan|Heap Fetches|Buffers|Execution|Rows Removed/.test(l)).join('\n')}`);
      }
    };
    const state = async () => {
      if (sqlite) return 'sqlite';
      const vac = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE 'autovacuum:%report_items%'`);
      const t = await admin.query(`SELECT n_dead_tup, n_mod_since_analyze, last_autovacuum IS NOT NULL AS vacuumed, last_autoanalyze IS NOT NULL AS analysed FROM pg_stat_user_tables WHERE relname = 'report_items'`);
      const vm = await admin.query(`SELECT relallvisible, relpages FROM pg_class WHERE relname = 'report_items'`);
      return `autovacuum on report_items: ${vac.rows[0].n ? 'running' : 'no'}; vacuumed ${t.rows[0].vacuumed}, analysed ${t.rows[0].analysed}; all-visible pages ${vm.rows[0].relallvisible}/${vm.rows[0].relpages}`;
    };
    console.log(await state());
    await explain('right after the import');
    const pages = Math.ceil(lines / 100);
    const random = (n: number) => 1 + Math.floor(Math.random() * n);
    const kinds: Array<[string, () => string]> = [
      ['random page', () => `/reports/${id}?page=${random(pages)}`],
      ['verdict=malicious page', () => `/reports/${id}?verdict=malicious&page=${random(Math.ceil(pages * 0.05))}`],
      ['sort=detections page', () => `/reports/${id}?sort=detections&page=${random(pages)}`],
      ['prefix search', () => `/reports/${id}?q=${randomBytes(2).toString('hex')}`],
      ['status.json', () => `/reports/${id}/status.json`],
    ];
    const times = new Map<string, number[]>(kinds.map(([k]) => [k, []]));
    let round = 0;
    while (performance.now() - imported < seconds * 1000) {
      const cells: string[] = [];
      for (const [what, path] of kinds) {
        const t0 = performance.now();
        const r = await client.request(path());
        for await (const _ of r.body ?? []);
        const ms = performance.now() - t0;
        if (r.status !== 200) throw new Error(`${what} answered ${r.status}`);
        times.get(what)!.push(ms);
        cells.push(`${what} ${ms.toFixed(0)}`);
      }
      round++;
      if (round < 5 || round % 5 === 0) console.log(`+${((performance.now() - imported) / 1000).toFixed(0)} s: ${cells.join(', ')} ms; ${await state()}`);
    }
    for (const [what, t] of times) console.log(`${what}: p50 ${percentile(t, 0.5).toFixed(0)} ms, p95 ${percentile(t, 0.95).toFixed(0)} ms over ${t.length}; load average ${loadavg()[0]!.toFixed(2)}`);
    // The exports of the whole report, each downloaded `exports` times (the client keeps nothing).
    for (const what of ['export.csv', 'export.json', 'export.csv?verdict=malicious&verdict=suspicious']) {
      for (let i = 0; i < exports; i++) {
        const t0 = performance.now();
        const r = await client.request(`/reports/${id}/${what}`);
        let bytes = 0;
        for await (const chunk of r.body ?? []) bytes += chunk.length;
        const s = (performance.now() - t0) / 1000;
        console.log(`${what}: ${r.status}, ${(bytes / 1048576).toFixed(1)} MB in ${s.toFixed(2)} s (${(bytes / 1048576 / s).toFixed(1)} MB/s); load average ${loadavg()[0]!.toFixed(2)}`);
      }
    }
    console.log(await state());
    if (!sqlite && !process.argv.includes('--no-vacuum')) {
      const v0 = performance.now();
      await admin.query('VACUUM (ANALYZE) report_items');
      console.log(`VACUUM (ANALYZE) report_items: ${((performance.now() - v0) / 1000).toFixed(1)} s; ${await state()}`);
      await explain('after VACUUM');
    }
  } finally {
    await admin.end();
    await app.kill();
  }
} finally {
  cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
