/**
 * The figures of issue 14 that scripts/bench-databases.ts takes beside its own: the naive
 * better-sqlite3 reference for the import, a bystander's page while a big upload runs, the PDF of a
 * large report (time and the server's peak RSS), and the quota figures of the lookup run.
 */
import SQLite from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpClient } from '../tests/helpers/http-client.js';
import { PREMIUM_PER_MINUTE, type LookupRate } from './bench-lookup-rate.js';

export const percentile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

/** The server's resident memory, threads (the lookup and read pools) included. */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/**
 * The reference the app's import should beat: the same list's lines, split and inserted with bare
 * better-sqlite3 into a table indexed as report_items is (line, hash, verdict), in one transaction,
 * one prepared INSERT a line, on a file of its own with the app's `synchronous = FULL`. Seconds.
 */
export function naiveSqliteInsert(content: Buffer): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-naive-'));
  try {
    const begin = performance.now();
    const sqlite = new SQLite(join(dir, 'naive.sqlite'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, report_id TEXT NOT NULL, line INTEGER NOT NULL, input TEXT NOT NULL, hash TEXT, verdict TEXT NOT NULL);
      CREATE UNIQUE INDEX items_line ON items (report_id, line);
      CREATE UNIQUE INDEX items_hash ON items (report_id, hash) WHERE hash IS NOT NULL;
      CREATE INDEX items_verdict ON items (report_id, verdict);`);
    const insert = sqlite.prepare('INSERT OR IGNORE INTO items (report_id, line, input, hash, verdict) VALUES (?, ?, ?, ?, ?)');
    const lines = content.toString('utf8').split('\n');
    sqlite.transaction(() => {
      for (const [i, line] of lines.entries()) {
        const hash = /^[0-9a-f]{64}$/i.test(line) ? line.toLowerCase() : null;
        insert.run('naive', i + 1, line, hash, hash ? 'pending' : 'invalid');
      }
    })();
    sqlite.close();
    return (performance.now() - begin) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Asks `client` for `path` one request after another (a user clicking) until `work` settles; the
 * latencies, in ms. Measures how well everyone else is served while one user's big job runs.
 */
export async function latenciesDuring(client: HttpClient, path: string, work: Promise<unknown>): Promise<number[]> {
  let done = false;
  const settled = work.finally(() => (done = true));
  const times: number[] = [];
  while (!done) {
    const begin = performance.now();
    const response = await client.request(path);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path} answered ${response.status} during the upload`);
    times.push(performance.now() - begin);
    await new Promise((r) => setTimeout(r, 20));
  }
  await settled;
  return times;
}

/** A download's seconds, bytes, and the server's peak RSS over its RSS before it (sampled every 50 ms). */
export async function timedDownload(client: HttpClient, path: string, pid: number): Promise<{ seconds: number; bytes: number; extraRss: number; status: number }> {
  const base = rssOf(pid);
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
  const begin = performance.now();
  try {
    const response = await client.request(path);
    let bytes = 0;
    for await (const chunk of response.body ?? []) bytes += chunk.length;
    return { seconds: (performance.now() - begin) / 1000, bytes, extraRss: Math.max(peak, rssOf(pid)) - base, status: response.status };
  } finally {
    clearInterval(sampler);
  }
}

export interface QuotaFigures {
  callsPerFile: number;
  quotaUse: number;
  rejected: number;
}

/**
 * The quota figures of the earlier issues (calls per distinct file 1.00, quota use while work waited
 * ≥ 0.98, no self-caused 429s), from `npm run bench:quota` (scripts/bench-quota.ts, on SQLite, with
 * a shrunk window) run as a child process and read from its output.
 */
export function runQuotaBench(n: number): Promise<QuotaFigures> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/bench-quota.ts', `--n=${n}`], { maxBuffer: 16 << 20, timeout: 600_000 }, (err, stdout) => {
      if (err) return reject(err);
      const figure = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN);
      resolve({
        callsPerFile: figure(/calls per distinct file: ([\d.]+)/),
        quotaUse: figure(/quota use while work waited: ([\d.]+)/),
        rejected: figure(/429s caused \(key quota exceeded\): (\d+)/),
      });
    });
  });
}

/** The same figures from a lookup run of the databases bench (its key never binds for long: quota use is its steady pace over the key's). */
export function quotaFiguresOf(rate: LookupRate): QuotaFigures {
  return { callsPerFile: rate.calls / rate.files, quotaUse: rate.steadyPerMinute / PREMIUM_PER_MINUTE, rejected: rate.rejected };
}
