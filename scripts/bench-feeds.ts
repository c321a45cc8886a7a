/**
 * `npm run bench -- feeds [MB]`: one feed batch of MB megabytes decompressed (default 200) of file
 * objects shaped like VirusTotal's (70 engines each), compressed by the real bzip2 program into a
 * temp file, served by the simulator's feed route (302 then the download), and ingested by the
 * app's own code (ingestBatch) into a temp SQLite file, or the PostgreSQL database of DATABASE_URL,
 * or (`--postgres`) a throwaway PostgreSQL cluster started and removed here (scripts/postgres-cluster.ts).
 * Prints objects per second, peak RSS over the RSS before the batch, and the event loop's longest delay.
 */
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { ingestBatch } from '../src/feeds/feed-batch.js';
import { minuteName } from '../src/feeds/feed-minute.js';
import { GROUP_BYTES } from '../src/feeds/feed-runner.js';
import { startVtSimulator } from './vt-simulator/simulator.js';
import { ensurePostgresBin, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { feedObject } from './vt-simulator/feed-objects.js';
import { mulberry32 } from './vt-simulator/prng.js';

const KEY = 'bench-feed-key';
const ENGINES = Array.from({ length: 70 }, (_, i) => `Engine${i}`);
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

/**
 * NDJSON lines of distinct file objects until `bytes` are out, VirusTotal-sized (70 engines, about
 * 11 KB each) and about as compressible as real ones: per-file hashes, versions, dates and names
 * vary, as they do in VirusTotal's objects (identical lines would compress 80:1, nothing real does).
 */
function* batchLines(bytes: number, analysedAt: number): Generator<string> {
  let written = 0;
  for (let k = 0; written < bytes; k++) {
    const r = mulberry32(k + 1);
    const word = () => Math.floor(r() * 0xffffffff).toString(36);
    const object = feedObject('files', k, analysedAt);
    Object.assign(object.attributes, {
      last_analysis_results: Object.fromEntries(
        ENGINES.map((engine) => {
          const bad = r() < 0.05;
          const result = { category: bad ? 'malicious' : 'undetected', engine_name: engine, engine_version: `${Math.floor(r() * 30)}.${Math.floor(r() * 99)}.${word()}`, engine_update: `202612${String(1 + Math.floor(r() * 6)).padStart(2, '0')}`, method: 'blacklist', result: bad ? `Trojan.${word()}` : null };
          return [engine, result];
        }),
      ),
      names: Array.from({ length: 1 + Math.floor(r() * 6) }, () => `${word()}${word()}.exe`),
      ssdeep: `${Math.floor(r() * 49152)}:${word()}${word()}${word()}${word()}:${word()}${word()}`,
      tlsh: `T1${word()}${word()}${word()}${word()}${word()}${word()}${word()}`.toUpperCase(),
      vhash: `${word()}${word()}${word()}`,
      tags: ['peexe', r() < 0.5 ? 'overlay' : 'signed', r() < 0.3 ? 'detect-debug-environment' : 'long-sleeps'],
    });
    const line = `${JSON.stringify(object)}\n`;
    written += line.length;
    yield line;
  }
}

export async function benchFeeds(args: string[]): Promise<void> {
  const megabytes = Number(args.find((a) => !a.startsWith('--')) ?? 200) || 200;
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-bench-feeds-'));
  let cluster: PostgresCluster | null = null;
  try {
    if (args.includes('--postgres')) {
      const found = ensurePostgresBin(console.log);
      if ('error' in found) throw new Error(found.error);
      cluster = await startPostgresCluster(found.bin);
    }
    const at = Date.now();
    const minute = minuteName(at - 61 * 60_000);
    // FEED_BENCH_FILE: keep the compressed batch there and use it again on the next run (making it takes minutes).
    const file = process.env.FEED_BENCH_FILE ?? join(dir, 'batch.bz2');
    let started = Date.now();
    if (!existsSync(file)) {
      const bzip2 = spawn('bzip2', ['-c', '-9'], { stdio: ['pipe', 'pipe', 'inherit'] });
      const written = pipeline(bzip2.stdout, createWriteStream(file));
      await pipeline(Readable.from(batchLines(megabytes * 1048576, Math.floor(at / 1000) - 3700)), bzip2.stdin);
      await written;
      await once(bzip2, 'close').catch(() => undefined);
    }
    console.log(`batch: ${megabytes} MB decompressed, ${mb(statSync(file).size)} MB bzip2, made in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const sim = await startVtSimulator({ keys: { [KEY]: { perMinute: 1000, perDay: 100_000 } }, now: () => at });
    sim.feeds.useFile('files', minute, file);
    const location = cluster?.url ?? process.env.DATABASE_URL ?? join(dir, 'bench.sqlite');
    const { db, close } = openDatabase(location);
    await migrateToLatest(db);
    global.gc?.();
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    let peakHeap = 0;
    let peakChildRss = 0;
    const sampler = setInterval(() => {
      const memory = process.memoryUsage();
      peakRss = Math.max(peakRss, memory.rss);
      peakHeap = Math.max(peakHeap, memory.heapUsed + memory.external);
    }, 20);
    // The bzip2 program's own memory, apart from the app's (it is another process).
    const childSampler = setInterval(() => (peakChildRss = Math.max(peakChildRss, childrenRss())), 100);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    started = Date.now();
    const result = await ingestBatch(
      {
        db,
        apiUrl: sim.url,
        apiKey: KEY,
        thresholds: { suspiciousBelow: -10, notSuspiciousAbove: 20, maliciousEngines: 1, suspiciousShare: 0.05 },
        cacheTtlMs: 86_400_000,
        groupLines: 500,
        groupBytes: GROUP_BYTES,
        bzip2: 'bzip2',
        now: Date.now,
        onReportsTouched: async () => undefined,
      },
      'files',
      minute,
      0,
      async () => undefined,
    );
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    clearInterval(childSampler);
    delay.disable();
    if (result.kind !== 'done') throw new Error(`the batch did not ingest: ${JSON.stringify(result)}`);
    console.log(
      `${location.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}: ${result.objects} objects in ${seconds.toFixed(1)} s = ${Math.round(result.objects / seconds)} objects/s, ` +
        `${(megabytes / seconds).toFixed(1)} MB/s decompressed; peak RSS ${mb(peakRss)} MB (+${mb(peakRss - baseRss)} MB over the ${mb(baseRss)} MB before the batch); ` +
        `peak V8 heap + external ${mb(peakHeap)} MB; the bzip2 program's own peak RSS ${mb(peakChildRss)} MB; ` +
        `event loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms, longest ${(delay.max / 1e6).toFixed(0)} ms`,
    );
    await close();
    await sim.close();
  } finally {
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The RSS of this process's child processes, in bytes (Linux /proc; 0 elsewhere). */
function childrenRss(): number {
  try {
    const pids = readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return pids.reduce((sum, pid) => {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return sum + Number(kb ?? 0) * 1024;
    }, 0);
  } catch {
    return 0;
  }
}
