/**
 * `npm run bench` with no arguments: every figure of issue 14, SQLite and PostgreSQL side by side
 * (scripts/bench-databases.ts). `npm run bench -- requests [seconds]`: wrk alone (scripts/bench-requests.ts).
 *
 * `npm run bench -- 100000 1000000`: measures the upload path on a real SQLite file: parsing and storing a list of
 * N lines (`npm run bench -- 250000` for others), with a share of duplicates, invalid lines and cache hits.
 * Prints wall time, rows per second, peak RSS and the time of each step of the import. Lookups are not
 * involved: the quota, not the CPU, paces them. `--postgres`: the same on a throwaway PostgreSQL cluster
 * (scripts/postgres-cluster.ts).
 *
 * `npm run bench -- mixed [N]`: the same, with a third of the lines domains, defanged URLs and IPs.
 *
 * `npm run bench -- export [rows]`: a report of `rows` answered rows (default 100,000) downloaded
 * through the real HTTP routes of the app (startRuntime on a temp SQLite file): CSV and JSON, whole
 * and filtered, the hash list, and a few filtered pages. Prints time, size and peak RSS for each; the
 * client discards what it reads, so the RSS is the server's streaming plus a constant. Client and
 * server share one process (and one event loop), so the times are whole downloads, not latencies.
 *
 * `npm run bench -- abort-pdf [rows]`: the CPU time and memory a dropped PDF download costs
 * afterwards (scripts/bench-abort-pdf.ts).
 * `npm run bench -- databases [lines]`: import, report page, exports and lookups per minute, side by
 * side for SQLite and a throwaway PostgreSQL cluster, through app processes (scripts/bench-databases.ts).
 * `npm run bench -- watch [rows]`: a watched report's re-check, started and ended (scripts/bench-watch.ts).
 * `npm run bench -- feeds [MB]`: objects per second and peak RSS ingesting one feed batch of MB decompressed
 * (default 200) through the simulator's feed route (scripts/bench-feeds.ts).
 * `npm run bench -- stalls [rows]`: how long another user waits while one user's worst case runs.
 * The app runs as in production (startRuntime on a temp SQLite file); `/healthz` is asked every
 * 50 ms throughout, and the longest answer (and the event loop's longest delay) is printed for:
 * a 99 MB single-line upload (`[.]` repeated, the costliest text to refang), and a search (`?q=zz`)
 * and a deep page sorted by detections on a report of `rows` rows (default 1,000,000, seeded
 * straight into the file).
 */
import SQLite from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { importHashList } from '../src/reports/report-import.js';
import { upsertNotFoundEntry } from '../src/lookups/cache.repository.js';
import { pino } from 'pino';
import { loadConfig } from '../src/shared/config.js';
import { startRuntime } from '../src/runtime.js';
// The tests' browser-without-JavaScript client: cookies and CSRF tokens, nothing test-only.
import { HttpClient } from '../tests/helpers/http-client.js';
import { seededList } from './bench-seed.js';
import { benchAbortPdf } from './bench-abort-pdf.js';
import { benchWatch } from './bench-watch.js';
import { benchDatabases } from './bench-databases.js';
import { benchRequests } from './bench-requests.js';
import { benchFeeds } from './bench-feeds.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { seedLargeReport } from '../tests/helpers/event-loop.js';
import pg from 'pg';
import { ensurePostgresBin, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';

const mode = process.argv[2] === 'export' || process.argv[2] === 'stalls' ? process.argv[2] : 'import';
const mixed = process.argv[2] === 'mixed';
const sizes = process.argv.slice(mode !== 'import' || mixed ? 3 : 2).map(Number).filter((n) => n > 0);
/** `--postgres`: the import bench on a throwaway PostgreSQL cluster instead of a SQLite file. */
const onPostgres = process.argv.includes('--postgres');

/** A domain, a defanged URL or an IPv4 address, one in three lines of a mixed list, all distinct. */
function networkLine(i: number): string {
  if (i % 3 === 0) return `host-${i}.example${i % 7}.com`;
  if (i % 3 === 1) return `hxxps://cdn-${i}[.]evil${i % 5}[.]net/payload-${i}.exe`;
  return `${10 + (i >> 16) % 200}.${(i >> 8) & 255}.${i & 255}[.]${1 + (i % 250)}`;
}

function buildList(lines: number): { content: Buffer; cached: string[] } {
  const parts: string[] = [];
  const cached: string[] = [];
  for (let i = 0; i < lines; i++) {
    if (i % 50 === 49) parts.push('not a hash, line ' + i);
    else if (i % 20 === 19 && i > 0) parts.push(parts[i - 7] ?? '');
    else if (mixed && i % 3 === 1) parts.push(networkLine(i));
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
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

console.log(`node ${process.version}, ${process.arch}`);
if (process.argv[2] === 'abort-pdf') await benchAbortPdf(process.argv.slice(3));
else if (process.argv[2] === 'watch') await benchWatch(process.argv.slice(3));
else if (process.argv[2] === 'requests') await benchRequests(process.argv.slice(3));
else if (process.argv[2] === 'feeds') await benchFeeds(process.argv.slice(3));
else if (process.argv[2] === 'databases') await benchDatabases(process.argv.slice(3).filter((a) => !a.startsWith('--')));
else if (mode === 'export') await benchExport(sizes[0] ?? 100_000);
else if (mode === 'stalls') await benchStalls(sizes[0] ?? 1_000_000);
// With no arguments, every figure of issue 14 (scripts/bench-databases.ts); a number runs the import alone.
else if (process.argv[2] === undefined) await benchDatabases([]);
else await benchImport(sizes.length > 0 ? sizes : [100_000, 1_000_000]);
clearInterval(sampler);

/** Where the import bench writes: a SQLite file in `dir`, or a database of its own on a throwaway cluster. */
async function importDatabase(dir: string, run: number): Promise<{ location: string; cluster: PostgresCluster | null }> {
  if (!onPostgres) return { location: join(dir, 'bench.sqlite'), cluster: null };
  const found = ensurePostgresBin(console.log);
  if ('error' in found) throw new Error(found.error);
  const cluster = await startPostgresCluster(found.bin);
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  await client.query(`CREATE DATABASE bench_${run}`);
  await client.end();
  const url = new URL(cluster.url);
  url.pathname = `/bench_${run}`;
  return { location: url.toString(), cluster };
}

async function benchImport(runs: number[]): Promise<void> {
  for (const [run, lines] of runs.entries()) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const { location, cluster } = await importDatabase(dir, run);
    const { db } = openDatabase(location);
    await migrateToLatest(db);
    await db.insertInto('users').values({ email: 'bench@example.test', password_hash: 'x', created_at: Date.now() }).execute();
    const { content, cached } = buildList(lines);
    await new Promise((r) => setTimeout(r, 100));
    // Set-up, not measured: one transaction, not a fsync per entry.
    await db.transaction().execute(async (trx) => {
      for (const hash of cached) await upsertNotFoundEntry(trx, hash, Date.now());
    });
    (globalThis as { gc?: () => void }).gc?.();
    peakRss = process.memoryUsage().rss;
    const baseRss = peakRss;
    const started = process.hrtime.bigint();
    const engine = onPostgres ? 'PostgreSQL' : 'SQLite';
    const steps: string[] = [];
    const onStep = (step: string, ms: number) => steps.push(`${step} ${(ms / 1000).toFixed(2)} s`);
    // Read before the import: a big list's bytes move to the writer thread (report-import-thread.ts).
    const listBytes = content.length;
    const { reportId } = await importHashList({ db, cacheTtlMs: 86_400_000, maxRows: 10_000_000, onStep }, { userId: 1, name: 'bench', notify: false, content });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const rows = await db.selectFrom('report_items').select((eb) => eb.fn.countAll<number>().as('n')).where('report_id', '=', reportId).executeTakeFirstOrThrow();
    const jobs = await db.selectFrom('lookup_jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    console.log(
      `${engine}, ${lines.toLocaleString('en')} lines (${(listBytes / 1048576).toFixed(1)} MB): ${seconds.toFixed(2)} s, ` +
        `${Math.round(lines / seconds).toLocaleString('en')} lines/s, ${Number(rows.n).toLocaleString('en')} rows, ` +
        `${Number(jobs.n).toLocaleString('en')} jobs queued, ${cached.length.toLocaleString('en')} cache hits, ` +
        `peak RSS ${(peakRss / 1048576).toFixed(0)} MB (+${((peakRss - baseRss) / 1048576).toFixed(0)} MB over the start of the import); ` +
        `steps: ${steps.join(', ')} (written: parse and insert; finalised: cache hits answered, jobs queued)`,
    );
    await db.destroy();
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a response to the end without keeping it; returns bytes and lines. */
async function drain(response: Response): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body ?? []) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 0x0a) lines++;
  }
  return { bytes, lines };
}

async function benchExport(rows: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'bench.sqlite'), LOG_LEVEL: 'silent' });
  const runtime = await startRuntime(config, { logger: pino({ level: 'silent' }) });
  try {
    const content = seededList(config.databasePath, rows);
    const client = new HttpClient(runtime.url);
    await client.register('bench@example.test');
    const started = process.hrtime.bigint();
    const upload = await client.upload({ file: { name: 'bench.txt', content } });
    const id = /^\/reports\/([\w-]+)$/.exec(upload.headers.get('location') ?? '')?.[1];
    if (!id) throw new Error(`upload answered ${upload.status}: ${upload.html.slice(0, 200)}`);
    console.log(`${rows.toLocaleString('en')}-row report (${mb(content.length)} MB list) uploaded and answered from the cache in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)} s`);

    const downloads = [
      `/reports/${id}/export.csv`,
      `/reports/${id}/export.json`,
      `/reports/${id}/export.csv?verdict=malicious&verdict=suspicious`,
      `/reports/${id}/export.json?q=sample_1`,
      `/reports/${id}/hashes.txt?kind=sha256`,
      `/reports/${id}/export.pdf`,
      `/reports/${id}/export.pdf?verdict=malicious`,
      `/reports/${id}?sort=detections&page=${Math.ceil(rows / 100)}`,
      `/reports/${id}?verdict=clean&sort=last_analysis&page=300`,
      `/reports/${id}?q=sample_99`,
    ];
    for (const path of downloads) {
      (globalThis as { gc?: () => void }).gc?.();
      const baseRss = process.memoryUsage().rss;
      peakRss = baseRss;
      const begin = process.hrtime.bigint();
      const response = await client.request(path);
      const { bytes, lines } = await drain(response);
      const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const what = path.includes('.pdf') ? 'PDF' : path.includes('export') || path.includes('hashes') ? `${lines.toLocaleString('en')} lines` : 'page';
      console.log(
        `GET ${path.replace(id, ':id')}: ${response.status}, ${what}, ${mb(bytes)} MB in ${seconds.toFixed(2)} s ` +
          `(${mb(bytes / seconds)} MB/s), peak RSS ${mb(peakRss)} MB (+${mb(peakRss - baseRss)} MB)`,
      );
    }
  } finally {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `work` while `/healthz` is asked every 50 ms; the longest answer and the longest event-loop delay, in ms. */
async function whileHealthPolled(url: string, work: () => Promise<unknown>): Promise<{ seconds: number; longestHealthz: number; longestDelay: number; polls: number; failed: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let done = false;
  let longestHealthz = 0;
  let polls = 0;
  let failed = 0;
  // Each poll is due 50 ms after the last answer; its wait runs from when it was due (a user's click),
  // so a stall that holds back the timer counts as well as one that holds back the answer.
  const poller = (async () => {
    while (!done) {
      const due = performance.now() + 50;
      await new Promise((r) => setTimeout(r, 50));
      // A poll the app drops (a reset connection) counts as failed; its wait still counts.
      await fetch(new URL('/healthz', url)).then((r) => r.arrayBuffer()).catch(() => failed++);
      longestHealthz = Math.max(longestHealthz, performance.now() - due);
      polls++;
    }
  })();
  await new Promise((r) => setTimeout(r, 100));
  const begin = performance.now();
  await work();
  const seconds = (performance.now() - begin) / 1000;
  await new Promise((r) => setTimeout(r, 100));
  done = true;
  await poller;
  histogram.disable();
  return { seconds, longestHealthz, longestDelay: histogram.max / 1e6, polls, failed };
}

/** POSTs `file` to the upload form with curl; resolves with the HTTP status curl saw. */
function curlUpload(baseUrl: string, cookie: string, csrf: string, file: string): Promise<string> {
  return new Promise((resolve) => {
    const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Cookie: ${cookie}`, '-F', `_csrf=${csrf}`, '-F', `file=@${file};type=text/plain`, new URL('/reports', baseUrl).href];
    execFile('curl', args, (err, stdout) => resolve(err ? `no answer: ${err.message}` : stdout));
  });
}

async function benchStalls(rows: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-stalls-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'bench.sqlite'), LOG_LEVEL: 'silent' });
  const runtime = await startRuntime(config, { logger: pino({ level: 'silent' }) });
  const print = (what: string, r: Awaited<ReturnType<typeof whileHealthPolled>>, extra = '') =>
    console.log(`${what}: ${r.seconds.toFixed(2)} s${extra}; longest /healthz ${r.longestHealthz.toFixed(0)} ms over ${r.polls} polls (${r.failed} failed), longest event-loop delay ${r.longestDelay.toFixed(0)} ms, peak RSS ${mb(peakRss)} MB`);
  try {
    const client = new HttpClient(runtime.url);
    await client.register('bench@example.test');
    // The upload is sent by curl, another process, from a file: building and sending a 99 MB form in
    // this process would stall the poller's own event loop and be counted as the app's.
    const listFile = join(dir, 'one-line.txt');
    writeFileSync(listFile, `${'[.]'.repeat(Math.floor((99 * 1024 * 1024) / 3))}\n`);
    await client.get('/reports/new');
    const token = client.csrfToken();
    peakRss = process.memoryUsage().rss;
    let status = '';
    const upload = await whileHealthPolled(runtime.url, async () => {
      status = await curlUpload(runtime.url, `hash_report.sid=${client.cookie('hash_report.sid') ?? ''}`, token, listFile);
    });
    print(`99 MB single-line upload`, upload, ` (answered ${status})`);

    const sqlite = new SQLite(config.databasePath, { readonly: true });
    const userId = (sqlite.prepare('SELECT id FROM users LIMIT 1').get() as { id: number }).id;
    sqlite.close();
    const id = seedLargeReport(config.databasePath, userId, rows);
    await client.request('/healthz').catch(() => undefined);
    for (const path of [`/reports/${id}?q=zz`, `/reports/${id}?sort=detections&page=${Math.ceil(rows / 100) - 5}`]) {
      peakRss = process.memoryUsage().rss;
      let answered = '';
      const result = await whileHealthPolled(runtime.url, async () => {
        answered = await client.request(path).then(async (r) => (await r.arrayBuffer(), String(r.status)), (err: Error) => `no answer: ${err.message}`);
      });
      print(`GET ${path.replace(id, ':id')} on ${rows.toLocaleString('en')} rows`, result, ` (answered ${answered})`);
    }
  } finally {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
