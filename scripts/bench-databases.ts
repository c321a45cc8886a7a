/**
 * `npm run bench` (or `npm run bench -- databases [lines]`, options at benchDatabases): every figure of
 * issue 14's table, side by side for SQLite (a temp file) and PostgreSQL (a throwaway cluster from
 * scripts/postgres-cluster.ts, started and removed here), printed as figure | goal | SQLite |
 * PostgreSQL. Every figure is taken through the real app in child processes
 * (tests/helpers/child-app.ts), over real HTTP and the real forms, so the server's RSS and CPU are
 * its own and the client's work is not counted against it:
 *
 * 1. Import: a list of `lines` lines (default 1,000,000; 2 % invalid, half of the rest answered from
 *    a seeded cache, the other half queued as lookups) POSTed to the upload form by curl from a file;
 *    time to the redirect, lines/s, and the server's peak RSS over its RSS before the upload. Beside
 *    it, the same lines into a bare better-sqlite3 table (scripts/bench-figures.ts), and another user's
 *    report page asked over and over while the upload runs (p95).
 * 2. The report page of that report: random pages, a verdict filter, a prefix search and sort by
 *    detections at random pages, and `status.json`; p50/p95 of `--requests` (default 20) each.
 * 3. CSV and JSON export of that report: MB/s of the whole download; the PDF of a report of
 *    `--pdf-rows` rows (default 100,000): seconds and the server's peak RSS over its RSS before.
 * 4. wrk -t2 -c32 on a signed-in 100-row report page and on /login (scripts/bench-requests.ts).
 * 5. Lookups per minute (scripts/bench-lookup-rate.ts) and the quota figures (scripts/bench-quota.ts).
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
import { ENTRY_COLUMNS, seedData, type SeedEntry } from './bench-seed.js';
import { curlUpload, measureLookupRate, type LookupRate } from './bench-lookup-rate.js';
import { formatWrk, measureRequests, uploadAnsweredList, type WrkFigures } from './bench-requests.js';
import { latenciesDuring, naiveSqliteInsert, percentile, quotaFiguresOf, rssOf, runQuotaBench, timedDownload, type QuotaFigures } from './bench-figures.js';

type Engine = 'sqlite' | 'postgres';

interface Figures {
  importSeconds: number;
  importLinesPerSecond: number;
  importExtraRssMb: number;
  pages: Array<{ what: string; p50: number; p95: number; n: number }>;
  exports: Array<{ what: string; mb: number; seconds: number }>;
  lookups: LookupRate[];
  /** Bare better-sqlite3 inserting the same lines (a reference; SQLite's column only). */
  naiveSeconds?: number;
  /** Another user's report page, asked over and over while the big upload runs. */
  bystander?: { p95: number; n: number };
  pdf?: { seconds: number; extraRssMb: number; mb: number };
  wrk?: WrkFigures[];
  quota?: QuotaFigures;
}

const option = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const mb = (bytes: number) => bytes / 1048576;


/**
 * Half the list's answers go into the shared cache, written straight into the database (set-up, not
 * measured): the import then takes both paths, answered rows and queued lookups, and the report
 * page has verdicts to filter and detections to sort by.
 */
async function seedCache(location: string, lines: number): Promise<Buffer> {
  const { content, entries } = seedData(lines);
  await insertEntries(location, entries.filter((_, i) => i % 2 === 0));
  return content;
}

/** A list of `rows` lines whose every hash the cache answers: its upload completes at once. */
async function seedAnsweredList(location: string, rows: number): Promise<Buffer> {
  const { content, entries } = seedData(rows);
  await insertEntries(location, entries);
  return content;
}

async function insertEntries(location: string, entries: SeedEntry[]): Promise<void> {
  const { db } = openDatabase(location);
  try {
    await migrateToLatest(db);
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < entries.length; i += 1000) {
        const batch = entries.slice(i, i + 1000);
        await trx.insertInto('cache_entries').values(batch.map((e) => Object.fromEntries(ENTRY_COLUMNS.map((c, j) => [c, e[j]])) as never)).execute();
        await trx.insertInto('cache_aliases').values(batch.map((e) => ({ hash: e[0], entry_key: e[0] }))).execute();
      }
    });
  } finally {
    await db.destroy();
  }
}

async function timed(client: HttpClient, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const begin = performance.now();
  const response = await client.request(path);
  let bytes = 0;
  for await (const chunk of response.body ?? []) bytes += chunk.length;
  return { ms: performance.now() - begin, bytes, status: response.status };
}

interface ReportBenchOptions {
  lines: number;
  requests: number;
  pdfRows: number;
  wrkSeconds: number;
}

async function measureReport(engine: Engine, location: string, dir: string, options: ReportBenchOptions, figures: Figures): Promise<void> {
  const { lines, requests } = options;
  const env: Record<string, string> = engine === 'postgres' ? { DATABASE_URL: location } : {};
  const content = await seedCache(location, lines);
  const listFile = join(dir, `list-${engine}.txt`);
  writeFileSync(listFile, content);
  // Lists the cache answers whole: the bystander's 100-row report (wrk, and the page asked during the
  // big upload) and the report the PDF is made of.
  writeFileSync(join(dir, `small-${engine}.txt`), await seedAnsweredList(location, 104));
  writeFileSync(join(dir, `pdf-${engine}.txt`), await seedAnsweredList(location, options.pdfRows));
  // No key: the queued half waits, so no lookup work runs beside what is measured.
  const app = await startChildApp(engine === 'sqlite' ? location : join(dir, `unused-${engine}.sqlite`), 'http://127.0.0.1:9/api/v3', {
    env: { ...env, VT_API_KEY: '', MAX_UPLOAD_MB: '200', PDF_MAX_ROWS: String(options.pdfRows) },
    startTimeoutMs: 60_000,
  });
  try {
    const pid = app.process.pid ?? 0;
    const bystander = new HttpClient(app.url);
    await bystander.register(`bystander-${engine}@example.test`);
    const smallReport = await uploadAnsweredList(app.url, bystander, join(dir, `small-${engine}.txt`));
    const client = new HttpClient(app.url);
    await client.register(`bench-${engine}@example.test`);
    await client.get('/reports/new');
    const baseRss = rssOf(pid);
    let peakRss = baseRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(pid))), 50);
    const begin = performance.now();
    const upload = curlUpload(app.url, client, listFile).then((answer) => ({ answer, seconds: (performance.now() - begin) / 1000 }));
    const during = await latenciesDuring(bystander, smallReport, upload);
    const { answer, seconds } = await upload;
    clearInterval(sampler);
    const id = /\/reports\/([\w-]+)$/.exec(answer.location)?.[1];
    if (answer.status !== '303' || !id) throw new Error(`${engine}: the upload answered ${answer.status} ${answer.location}`);
    Object.assign(figures, { importSeconds: seconds, importLinesPerSecond: lines / seconds, importExtraRssMb: mb(peakRss - baseRss) });
    figures.bystander = { p95: percentile(during, 0.95), n: during.length };
    console.log(`${engine}: ${lines.toLocaleString('en')} lines (${mb(content.length).toFixed(1)} MB) imported in ${seconds.toFixed(2)} s, server RSS ${mb(baseRss).toFixed(0)} -> peak ${mb(peakRss).toFixed(0)} MB`);
    console.log(`${engine}: another user's report page during the upload: p50 ${percentile(during, 0.5).toFixed(0)} ms, p95 ${percentile(during, 0.95).toFixed(0)} ms over ${during.length}`);

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

    const pdfReport = await uploadAnsweredList(app.url, client, join(dir, `pdf-${engine}.txt`));
    const pdf = await timedDownload(client, `${pdfReport}/export.pdf`, pid);
    if (pdf.status !== 200) throw new Error(`${engine}: the PDF answered ${pdf.status}`);
    figures.pdf = { seconds: pdf.seconds, extraRssMb: mb(pdf.extraRss), mb: mb(pdf.bytes) };
    console.log(`${engine}: PDF of ${options.pdfRows.toLocaleString('en')} rows: ${mb(pdf.bytes).toFixed(1)} MB in ${pdf.seconds.toFixed(1)} s, server peak RSS +${mb(pdf.extraRss).toFixed(0)} MB`);

    figures.wrk = await measureRequests(app.url, pid, bystander, smallReport, options.wrkSeconds);
    for (const w of figures.wrk) console.log(`${engine}: wrk -t2 -c32 ${options.wrkSeconds} s, ${w.what}: ${formatWrk(w)}`);
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

function printTable(results: Map<Engine, Figures>, options: ReportBenchOptions): void {
  const engines = [...results.keys()];
  const rows: Array<[string, string, ...string[]]> = [];
  const cell = (f: (x: Figures) => string) => engines.map((e) => f(results.get(e)!));
  const n = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
  const { lines, pdfRows, wrkSeconds } = options;
  rows.push([`Import, ${n(lines)} lines: form POST to redirect, extra RSS`, '≤ 10 s, ≤ 300 MB', ...cell((x) => `${n(x.importSeconds, 1)} s, +${n(x.importExtraRssMb)} MB (${n(x.importLinesPerSecond)} lines/s)`)]);
  rows.push(['Same lines, bare better-sqlite3, indexed table, one transaction (reference)', 'the app faster', ...cell((x) => (x.naiveSeconds === undefined ? '(SQLite column)' : `${n(x.naiveSeconds, 1)} s`))]);
  for (const [i, p] of (results.get(engines[0]!)?.pages ?? []).entries()) {
    const goal = p.what === 'status.json' ? 'p95 ≤ 10 ms' : 'p95 ≤ 50 ms at 1M, ≤ 20 ms at 100k';
    rows.push([`Report page: ${p.what}, p50 / p95 (${p.n} requests)`, goal, ...cell((x) => `${n(x.pages[i]!.p50)} / ${n(x.pages[i]!.p95)} ms`)]);
  }
  for (const [i, d] of (results.get(engines[0]!)?.exports ?? []).entries()) {
    rows.push([`${d.what} of that report (${n(d.mb)} MB)`, '≥ 50 MB/s', ...cell((x) => `${n(x.exports[i]!.mb / x.exports[i]!.seconds, 1)} MB/s (${n(x.exports[i]!.seconds, 1)} s)`)]);
  }
  rows.push([`PDF of a ${n(pdfRows)}-row report: time, server peak RSS`, '≤ 10 s, flat memory', ...cell((x) => (x.pdf ? `${n(x.pdf.seconds, 1)} s, +${n(x.pdf.extraRssMb)} MB` : 'n/a'))]);
  const wrkRows = [[0, 'signed-in completed 100-row report page', '≥ 1,500 req/s, p99 ≤ 50 ms'], [1, 'anonymous /login', '≥ 3,000 req/s'], [2, "signed-in, that report's status.json", '(the fixed cost)']] as const;
  for (const [i, label, goal] of wrkRows) {
    rows.push([`wrk -t2 -c32 (${wrkSeconds} s), ${label}: req/s, p99 (server CPU per request)`, goal, ...cell((x) => {
      const w = x.wrk?.[i];
      return w ? `${n(w.requestsPerSecond)} req/s, p99 ${n(w.p99Ms)} ms (${n(w.cpuMsPerRequest, 2)} ms)${w.errors ? `, ${w.errors} errors` : ''}` : 'n/a';
    })]);
  }
  rows.push(["Another user's report page while the upload runs, p95", 'p95 ≤ 100 ms', ...cell((x) => (x.bystander ? `${n(x.bystander.p95)} ms (${x.bystander.n} requests)` : 'n/a'))]);
  for (const instances of [1, 3]) {
    const of = (x: Figures) => x.lookups.find((l) => l.instances === instances);
    if (!engines.some((e) => of(results.get(e)!))) continue;
    rows.push([`Lookups/minute, ${instances} instance${instances > 1 ? 's' : ''}, steady state (whole run)`, '', ...cell((x) => { const l = of(x); return l ? `${n(l.steadyPerMinute)} (${n(l.overallPerMinute)})` : 'n/a'; })]);
    rows.push([`  calls per distinct file, fake's 429s`, '1.00, 0', ...cell((x) => { const l = of(x); return l ? `${n(quotaFiguresOf(l).callsPerFile, 2)}, ${l.rejected}` : 'n/a'; })]);
  }
  rows.push(['bench:quota: calls per distinct file / quota use while work waited / self-caused 429s', '1.00 / ≥ 0.98 / 0', ...cell((x) => (x.quota ? `${n(x.quota.callsPerFile, 2)} / ${n(x.quota.quotaUse, 2)} / ${x.quota.rejected}` : '(SQLite column)'))]);
  const header: [string, ...string[]] = ['Figure', 'Goal', ...engines.map((e) => (e === 'sqlite' ? 'SQLite' : 'PostgreSQL'))];
  const print = (r: string[]) => console.log(`| ${r.join(' | ')} |`);
  console.log('');
  print(header);
  print(header.map(() => '---'));
  for (const r of rows) print(r);
}

/**
 * `npm run bench -- databases [lines] [--requests=N] [--pdf-rows=N] [--wrk-seconds=N] [--lookups=N]
 * [--quota-n=N] [--only=sqlite|postgres]`; `lines` defaults to 1,000,000 (200000 for a quick run).
 */
export async function benchDatabases(args: string[]): Promise<void> {
  const lines = Number(args[0]) > 0 ? Number(args[0]) : 1_000_000;
  const options: ReportBenchOptions = {
    lines,
    requests: Number(option('requests') ?? 20),
    pdfRows: Number(option('pdf-rows') ?? 100_000),
    wrkSeconds: Number(option('wrk-seconds') ?? 10),
  };
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
      await measureReport(engine, await location('report'), dir, options, figures);
      if (engine === 'sqlite') {
        figures.naiveSeconds = naiveSqliteInsert(readFileSync(join(dir, 'list-sqlite.txt')));
        console.log(`sqlite: the same lines into a bare indexed better-sqlite3 table in one transaction: ${figures.naiveSeconds.toFixed(2)} s`);
      }
      for (const instances of engine === 'postgres' ? [1, 3] : [1]) {
        figures.lookups.push(await measureLookupRate({ engine, location: await location(`lookups_${instances}`), dir, instances, hashes: lookups }));
      }
      if (engine === 'sqlite') {
        figures.quota = await runQuotaBench(Number(option('quota-n') ?? 1000));
        console.log(`sqlite: bench:quota: calls per distinct file ${figures.quota.callsPerFile}, quota use ${figures.quota.quotaUse}, 429s ${figures.quota.rejected}`);
      }
    }
    printTable(results, options);
    console.log(`\nwhole run: ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    cleanUp();
  }
}
