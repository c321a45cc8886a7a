/**
 * The cost of one ordinary request, under load: `wrk -t2 -c32` (a child process, /usr/bin/wrk) on
 * loopback against a signed-in user's completed 100-row report page and against the anonymous
 * `/login` form. `npm run bench -- requests [seconds]` runs it alone on a temp SQLite file; the
 * databases bench (scripts/bench-databases.ts) runs it on both databases.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_COOKIE } from '../src/web/session.js';
import { startChildApp } from '../tests/helpers/child-app.js';
import { HttpClient } from '../tests/helpers/http-client.js';
import { seededList } from './bench-seed.js';
import { curlUpload } from './bench-lookup-rate.js';

export interface WrkFigures {
  what: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx answers and socket errors together: a figure with errors is not a figure. */
  errors: number;
  /**
   * The server's CPU time (all its threads) per answered request: unlike req/s, it hardly moves when
   * other work shares the machine, so before/after comparisons on a busy machine read this.
   */
  cpuMsPerRequest: number;
  /** The one-minute load average when wrk finished: req/s and p99 mean little without it on a shared machine. */
  load: number;
}

/** utime + stime of a process, all threads, in ms (/proc/<pid>/stat, in clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** wrk's "Latency Distribution" line for `percent` (e.g. "99%   12.34ms"), in ms. */
function latency(output: string, percent: number): number {
  const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
  return match ? Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? NaN) : NaN;
}

/** Runs wrk against `url` for `seconds`, with `cookie` if given, and reads its summary and the load average. */
export function runWrk(what: string, url: string, seconds: number, pid: number, cookie?: string): Promise<WrkFigures> {
  const cpuBefore = cpuMsOf(pid);
  const args = ['-t2', '-c32', `-d${seconds}s`, '--latency', ...(cookie ? ['-H', `Cookie: ${cookie}`] : []), url];
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/wrk', args, { timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(err);
      const cpuMs = cpuMsOf(pid) - cpuBefore;
      const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const answered = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
      resolve({ what, requestsPerSecond: Number(rate?.[1] ?? NaN), p50Ms: latency(stdout, 50), p99Ms: latency(stdout, 99), errors: non2xx + socketErrors, cpuMsPerRequest: cpuMs / answered, load: loadavg()[0] ?? NaN });
    });
  });
}

/**
 * wrk on the report page `reportPath` as the signed-in `client`, then on `/login` with no cookie.
 * The page is fetched once first so that a wrong path fails loudly rather than measuring a redirect.
 * Then the report's status.json with the same session: the fixed cost of a signed-in request.
 */
export async function measureRequests(baseUrl: string, pid: number, client: HttpClient, reportPath: string, seconds: number): Promise<WrkFigures[]> {
  const page = await client.request(reportPath);
  await page.arrayBuffer();
  if (page.status !== 200) throw new Error(`${reportPath} answered ${page.status}`);
  const cookie = `${SESSION_COOKIE}=${client.cookie(SESSION_COOKIE) ?? ''}`;
  const report = await runWrk('signed-in 100-row report page', new URL(reportPath, baseUrl).href, seconds, pid, cookie);
  const login = await runWrk('anonymous /login', new URL('/login', baseUrl).href, seconds, pid);
  // The same session on the report's smallest answer: what every signed-in request costs before its page.
  const status = await runWrk('signed-in status.json of that report', new URL(`${reportPath}/status.json`, baseUrl).href, seconds, pid, cookie);
  return [report, login, status];
}

/** Uploads `content` (a list the cache answers) as `client` through curl; the report's path. */
export async function uploadAnsweredList(baseUrl: string, client: HttpClient, file: string): Promise<string> {
  await client.get('/reports/new');
  const answer = await curlUpload(baseUrl, client, file);
  const path = /(\/reports\/[\w-]+)$/.exec(answer.location)?.[1];
  if (answer.status !== '303' || !path) throw new Error(`the upload answered ${answer.status} ${answer.location}`);
  return path;
}

export const formatWrk = (w: WrkFigures) =>
  `${Math.round(w.requestsPerSecond).toLocaleString('en')} req/s, p50 ${w.p50Ms.toFixed(1)} ms, p99 ${w.p99Ms.toFixed(1)} ms, ${w.cpuMsPerRequest.toFixed(2)} ms server CPU/request${w.errors ? `, ${w.errors} errors` : ''} (load ${w.load.toFixed(2)})`;

/** `npm run bench -- requests [seconds]`: the two wrk figures on SQLite, alone. */
export async function benchRequests(args: string[]): Promise<void> {
  const seconds = Number(args[0]) > 0 ? Number(args[0]) : 10;
  console.log(`${new Date().toISOString()}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-requests-'));
  const databasePath = join(dir, 'bench.sqlite');
  const app = await startChildApp(databasePath, 'http://127.0.0.1:9/api/v3', { env: { VT_API_KEY: '' }, startTimeoutMs: 60_000 });
  try {
    const client = new HttpClient(app.url);
    await client.register('bench-requests@example.test');
    const listFile = join(dir, 'list.txt');
    writeFileSync(listFile, seededList(databasePath, 104));
    const reportPath = await uploadAnsweredList(app.url, client, listFile);
    for (const w of await measureRequests(app.url, app.process.pid ?? 0, client, reportPath, seconds)) console.log(`${w.what}: ${formatWrk(w)}`);
    console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await app.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
