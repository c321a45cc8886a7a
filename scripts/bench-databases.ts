/**
 * `npm run bench -- databases [lines] [--lookups=N] [--requests=N] [--only=sqlite|postgres]`: the
 * team-deployment figures of issue 13, side by side for SQLite (a temp file) and PostgreSQL (a
 * throwaway cluster from scripts/postgres-cluster.ts, started and removed here). Every figure is
 * taken through the real app in child processes (tests/helpers/child-app.ts), over real HTTP and the
 * real forms, so the server's RSS is its own and the client's work is not counted against it:
 *
 * 1. Import: a list of `lines` lines (default 1,000,000; 2 % invalid, half of the rest answered from
 *    a seeded cache, the other half queued as lookups) POSTed to the upload form by curl from a file;
 *    time to the redirect, lines/s, and the server's peak RSS over its RSS before the upload.
 * 2. The report page of that report: random pages, a verdict filter, a prefix search and sort by
 *    detections at random pages, and `status.json`; p50/p95 of `--requests` (default 20) each.
 * 3. CSV and JSON export of that report: MB/s of the whole download.
 * 4. Lookups per minute (scripts/bench-lookup-rate.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { startChildApp } from '../tests/helpers/child-app.js';
import { HttpClient } from '../tests/helpers/http-client.js';
import { ensurePostgresBin, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { ENTRY_COLUMNS, seedData } from './bench-seed.js';
import { curlUpload, measureLookupRate, type LookupRate } from './bench-lookup-rate.js';

type Engine = 'sqlite' | 'postgres';

interface Figures {
  importSeconds: number;
  importLinesPerSecond: number;
  importExtraRssMb: number;
  pages: Array<{ what: string; p50: number; p95: number; n: number }>;
  exports: Array<{ what: string; mb: number; seconds: number }>;
  lookups: LookupRate[];
}

const option = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const mb = (bytes: number) => bytes / 1048576;
const percentile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

/** The server's resident memory, threads (the lookup and read pools) included. */
function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/**
 * Half the list's answers go into the shared cache, written straight into the database (set-up, not
 * measured): the import then takes both paths, answered rows and queued lookups, and the report
 * page has verdicts to filter and detections to sort by.
 */
async function seedCache(location: string, lines: number): Promise<Buffer> {
  const { content, entries } = seedData(lines);
  const { db } = openDatabase(location);
  try {
    await migrateToLatest(db);
    const cached = entries.filter((_, i) => i % 2 === 0);
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < cached.length; i += 1000) {
        const batch = cached.slice(i, i + 1000);
        await trx.insertInto('cache_entries').values(batch.map((e) => Object.fromEntries(ENTRY_COLUMNS.map((c, j) => [c, e[j]])) as never)).execute();
        await trx.insertInto('cache_aliases').values(batch.map((e) => ({ hash: e[0], entry_key: e[0] }))).execute();
      }
    });
  } finally {
    await db.destroy();
  }
  return content;
}

async function timed(client: HttpClient, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const begin = performance.now();
  const response = await client.request(path);
  let bytes = 0;
  for await (const chunk of response.body ?? []) bytes += chunk.length;
  return { ms: performance.now() - begin, bytes, status: response.status };
}

async function measureReport(engine: Engine, location: string, dir: string, lines: number, requests: number, figures: Figures): Promise<void> {
  const env: Record<string, string> = engine === 'postgres' ? { DATABASE_URL: location } : {};
  const content = await seedCache(location, lines);
  const listFile = join(dir, `list-${engine}.txt`);
  writeFileSync(listFile, content);
  // No key: the queued half waits, so no lookup work runs beside what is measured.
  const app = await startChildApp(engine === 'sqlite' ? location : join(dir, `unused-${engine}.sqlite`), 'http://127.0.0.1:9/api/v3', {
    env: { ...env, VT_API_KEY: '', MAX_UPLOAD_MB: '200' },
    startTimeoutMs: 60_000,
  });
  try {
    const client = new HttpClient(app.url);
    await client.register(`bench-${engine}@example.test`);
    await client.get('/reports/new');
    const pid = app.process.pid ?? 0;
    const baseRss = rssOf(pid);
    let peakRss = baseRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(pid))), 50);
    const begin = performance.now();
    const answer = await curlUpload(app.url, client, listFile);
    const seconds = (performance.now() - begin) / 1000;
    clearInterval(sampler);
    const id = /\/reports\/([\w-]+)$/.exec(answer.location)?.[1];
    if (answer.status !== '303' || !id) throw new Error(`${engine}: the upload answered ${answer.status} ${answer.location}`);
    Object.assign(figures, { importSeconds: seconds, importLinesPerSecond: lines / seconds, importExtraRssMb: mb(peakRss - baseRss) });
    console.log(`${engine}: ${lines.toLocaleString('en')} lines (${mb(content.length).toFixed(1)} MB) imported in ${seconds.toFixed(2)} s, server RSS ${mb(baseRss).toFixed(0)} -> peak ${mb(peakRss).toFixed(0)} MB`);

    const pages = Math.ceil(lines / 100);
    const random = (n: number) => 1 + Math.floor(Math.random() * n);
    const kinds: Array<[string, () => string]> = [
      ['a random page', () => `/reports/${id}?page=${random(pages)}`],
      ['verdict=malicious, a random page of it', () => `/reports/${id}?verdict=malicious&page=${random(Math.ceil(pages * 0.05))}`],
      ['search by a 4-hex-digit prefix', () => `/reports/${id}?q=${randomBytes(2).toString('hex')}`],
      ['sort=detections, a random page', () => `/reports/${id}?sort=detections&page=${random(pages)}`],
      ['status.json', () => `/reports/${id}/status.json`],
    ];
    for (const [what, path] of kinds) {
      const times: number[] = [];
      for (let i = 0; i < requests; i++) {
        const r = await timed(client, path());
        if (r.status !== 200) throw new Error(`${engine}: ${path()} answered ${r.status}`);
        times.push(r.ms);
      }
      figures.pages.push({ what, p50: percentile(times, 0.5), p95: percentile(times, 0.95), n: requests });
      console.log(`${engine}: ${what}: p50 ${percentile(times, 0.5).toFixed(0)} ms, p95 ${percentile(times, 0.95).toFixed(0)} ms over ${requests}`);
    }
    for (const what of ['export.csv', 'export.json']) {
      const r = await timed(client, `/reports/${id}/${what}`);
      figures.exports.push({ what, mb: mb(r.bytes), seconds: r.ms / 1000 });
      console.log(`${engine}: ${what}: ${r.status}, ${mb(r.bytes).toFixed(1)} MB in ${(r.ms / 1000).toFixed(2)} s (${(mb(r.bytes) / (r.ms / 1000)).toFixed(1)} MB/s)`);
    }
  } finally {
    await app.kill();
  }
}

async function createDatabase(cluster: PostgresCluster, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}

function printTable(results: Map<Engine, Figures>, lines: number): void {
  const engines = [...results.keys()];
  const rows: Array<[string, ...string[]]> = [];
  const cell = (f: (x: Figures) => string) => engines.map((e) => f(results.get(e)!));
  rows.push([`Import, ${lines.toLocaleString('en')} lines: time to the redirect`, ...cell((x) => `${x.importSeconds.toFixed(1)} s`)]);
  rows.push(['Import: lines/s', ...cell((x) => Math.round(x.importLinesPerSecond).toLocaleString('en'))]);
  rows.push(['Import: server peak RSS over its start', ...cell((x) => `+${x.importExtraRssMb.toFixed(0)} MB`)]);
  for (const [i, p] of (results.get(engines[0]!)?.pages ?? []).entries()) {
    rows.push([`Report page: ${p.what}, p50 / p95 (${p.n} requests)`, ...cell((x) => `${x.pages[i]!.p50.toFixed(0)} / ${x.pages[i]!.p95.toFixed(0)} ms`)]);
  }
  for (const [i, d] of (results.get(engines[0]!)?.exports ?? []).entries()) {
    rows.push([`${d.what} (${d.mb.toFixed(0)} MB)`, ...cell((x) => `${(x.exports[i]!.mb / x.exports[i]!.seconds).toFixed(1)} MB/s (${x.exports[i]!.seconds.toFixed(1)} s)`)]);
  }
  for (const instances of [1, 3]) {
    const of = (x: Figures) => x.lookups.find((l) => l.instances === instances);
    if (!engines.some((e) => of(results.get(e)!))) continue;
    rows.push([`Lookups/minute, ${instances} instance${instances > 1 ? 's' : ''}, steady state (whole run)`, ...cell((x) => { const l = of(x); return l ? `${Math.round(l.steadyPerMinute).toLocaleString('en')} (${Math.round(l.overallPerMinute).toLocaleString('en')})` : 'n/a'; })]);
    rows.push([`  fake's 429s, calls / distinct files`, ...cell((x) => { const l = of(x); return l ? `${l.rejected}, ${l.calls} / ${l.files}` : 'n/a'; })]);
  }
  const header: [string, ...string[]] = ['What', ...engines.map((e) => (e === 'sqlite' ? 'SQLite' : 'PostgreSQL'))];
  const print = (r: string[]) => console.log(`| ${r.join(' | ')} |`);
  console.log('');
  print(header);
  print(header.map(() => '---'));
  for (const r of rows) print(r);
}

export async function benchDatabases(args: string[]): Promise<void> {
  const lines = Number(args[0]) > 0 ? Number(args[0]) : 1_000_000;
  const requests = Number(option('requests') ?? 20);
  const lookups = Number(option('lookups') ?? 3000);
  const only = option('only');
  const engines: Engine[] = only === 'sqlite' || only === 'postgres' ? [only] : ['sqlite', 'postgres'];
  console.log(`${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'bench-databases-'));
  let cluster: PostgresCluster | null = null;
  const cleanUp = () => {
    try {
      cluster?.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('SIGINT', () => (cleanUp(), process.exit(130)));
  const results = new Map<Engine, Figures>();
  try {
    for (const engine of engines) {
      const figures: Figures = { importSeconds: NaN, importLinesPerSecond: NaN, importExtraRssMb: NaN, pages: [], exports: [], lookups: [] };
      results.set(engine, figures);
      if (engine === 'postgres') {
        const found = ensurePostgresBin(console.log);
        if ('error' in found) throw new Error(found.error);
        cluster = await startPostgresCluster(found.bin);
        console.log(`postgres: throwaway cluster on port ${cluster.port} (${found.bin})`);
      }
      const location = async (name: string) => (engine === 'sqlite' ? join(dir, `${name}.sqlite`) : createDatabase(cluster!, name));
      await measureReport(engine, await location('report'), dir, lines, requests, figures);
      for (const instances of engine === 'postgres' ? [1, 3] : [1]) {
        figures.lookups.push(await measureLookupRate({ engine, location: await location(`lookups_${instances}`), dir, instances, hashes: lookups }));
      }
    }
    printTable(results, lines);
    console.log(`\nwhole run: ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    cleanUp();
  }
}
