/**
 * Lookups per minute through the real pipeline (part of `npm run bench -- databases`): `instances`
 * app processes on one database (several only on PostgreSQL, where one elected instance dispatches),
 * one user per instance uploading a share of `hashes` distinct, never-seen SHA-256s through the
 * form, and the fake VirusTotal enforcing a premium key's 6,000 calls a minute over the real
 * 60-second minute (the app's limiter uses the same window). The fake answers at once, so the
 * figure is the pipeline's and the limiter's pace, not VirusTotal's latency.
 *
 * Steady state is the calls between the 10th and the 90th percentile of arrival times, per minute:
 * it leaves out the idle key's opening burst and the tail where the last lists drain.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { startChildApp, type ChildApp } from '../tests/helpers/child-app.js';
import { HttpClient } from '../tests/helpers/http-client.js';
import { TEST_KEY } from '../tests/helpers/test-app.js';
import { openDatabase } from '../src/shared/database.js';
import { SESSION_COOKIE } from '../src/web/session.js';
import { DISPATCHER_LOCK_KEY } from '../src/shared/advisory-leadership.js';
import { startVtSimulator } from './vt-simulator/simulator.js';

export const PREMIUM_PER_MINUTE = 6000;

export interface LookupRate {
  instances: number;
  files: number;
  calls: number;
  rejected: number;
  steadyPerMinute: number;
  overallPerMinute: number;
  /** Upload of the first list to the last report completed. */
  seconds: number;
  /** Instances holding the dispatcher lock at the end (PostgreSQL): 1 when only one dispatches. */
  dispatchers: number | null;
}

/**
 * POSTs `file` to the upload form with curl, from another process on a connection of its own: the
 * bench's own 62 MB form would otherwise be built in the process that times it, and on the loaded
 * machine a form POSTed by fetch on a kept-alive connection was now and then reset before the app
 * logged it, which looks like the race at keep-alive expiry (nodejs/undici#3141): the client's
 * timers run late while this process also answers for VirusTotal.
 */
export function curlUpload(baseUrl: string, client: HttpClient, file: string): Promise<{ status: string; location: string }> {
  const cookie = `${SESSION_COOKIE}=${client.cookie(SESSION_COOKIE) ?? ''}`;
  return new Promise((resolve, reject) => {
    const args = ['-s', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-H', `Cookie: ${cookie}`, '-F', `_csrf=${client.csrfToken()}`, '-F', `file=@${file};type=text/plain`, new URL('/reports', baseUrl).href];
    execFile('curl', args, (err, stdout) => {
      if (err) reject(err);
      const [status = '', location = ''] = stdout.split(' ');
      resolve({ status, location });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function dispatchers(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [DISPATCHER_LOCK_KEY]);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

export async function measureLookupRate(options: { engine: 'sqlite' | 'postgres'; location: string; dir: string; instances: number; hashes: number }): Promise<LookupRate> {
  const { engine, location, instances, hashes } = options;
  const label = `${engine}, ${instances} instance${instances > 1 ? 's' : ''}`;
  const sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: PREMIUM_PER_MINUTE, perDay: 10_000_000 } }, generate: true, minuteMs: 60_000 });
  const apps: ChildApp[] = [];
  const dir = mkdtempSync(join(options.dir, 'lookups-'));
  try {
    // One at a time: the first applies the migrations, the others find them applied.
    for (let i = 0; i < instances; i++) {
      apps.push(
        await startChildApp(engine === 'sqlite' ? location : join(dir, `unused-${i}.sqlite`), sim.url, {
          env: { ...(engine === 'postgres' ? { DATABASE_URL: location } : {}), VT_RATE_PER_MINUTE: String(PREMIUM_PER_MINUTE), VT_RATE_PER_DAY: '10000000', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' },
          tuning: { rateWindowMs: 60_000, leadershipRetryMs: 500 },
          startTimeoutMs: 60_000,
        }),
      );
    }
    // BENCH_LOG_LEVEL=info: the apps' logs go to stderr.
    if (process.env.BENCH_LOG_LEVEL) for (const app of apps) app.process.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    // Three users: all on the one instance, or one per instance; the same work either way.
    // They register first: argon2 is CPU work that has no place inside the measurement.
    const uploaders: HttpClient[] = [];
    for (let i = 0; i < 3; i++) {
      const client = new HttpClient(apps[i % apps.length]!.url);
      await client.register(`bench-lookups-${i}@example.test`);
      await client.get('/reports/new');
      uploaders.push(client);
    }
    for (let i = 0; i < 3; i++) {
      const share = Array.from({ length: Math.floor(hashes / 3) + (i < hashes % 3 ? 1 : 0) }, () => randomBytes(32).toString('hex'));
      writeFileSync(join(dir, `lookups-${i}.txt`), `${share.join('\n')}\n`);
    }
    const started = performance.now();
    const ids: string[] = [];
    const uploadSeconds: string[] = [];
    for (const [i, client] of uploaders.entries()) {
      const begin = performance.now();
      const answer = await curlUpload(client.baseUrl, client, join(dir, `lookups-${i}.txt`));
      const id = /\/reports\/([\w-]+)$/.exec(answer.location)?.[1];
      if (answer.status !== '303' || !id) throw new Error(`${label}: upload answered ${answer.status}`);
      ids.push(id);
      uploadSeconds.push(((performance.now() - begin) / 1000).toFixed(2));
    }
    const uploaded = performance.now();
    // Completion is read from the database, not by polling status.json, which would compete with
    // the dispatcher for the main thread it measures (as in scripts/bench-quota.ts).
    const { db } = openDatabase(location);
    try {
      const deadline = Date.now() + Math.max(120_000, (hashes / PREMIUM_PER_MINUTE) * 60_000 * 4);
      for (;;) {
        const open = await db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'in', ids).where('state', '!=', 'completed').executeTakeFirstOrThrow();
        if (Number(open.n) === 0) break;
        if (Date.now() > deadline) throw new Error(`${label}: ${open.n} reports still open after the deadline (${sim.calls.length} calls so far)`);
        if (apps.some((app) => app.process.exitCode !== null || app.process.signalCode !== null)) throw new Error(`${label}: an app process ended`);
        await sleep(250);
      }
    } finally {
      await db.destroy();
    }
    const seconds = (performance.now() - started) / 1000;
    const arrivals = sim.calls.filter((c) => c.hash !== undefined).map((c) => c.at).sort((a, b) => a - b);
    const lo = Math.floor(arrivals.length * 0.1);
    const hi = Math.floor(arrivals.length * 0.9);
    const steadyPerMinute = ((hi - lo) / Math.max(1, arrivals[hi]! - arrivals[lo]!)) * 60_000;
    const overallPerMinute = (arrivals.length / Math.max(1, arrivals.at(-1)! - arrivals[0]!)) * 60_000;
    const result: LookupRate = {
      instances,
      files: hashes,
      calls: arrivals.length,
      rejected: sim.quotaRejections(),
      steadyPerMinute,
      overallPerMinute,
      seconds,
      dispatchers: engine === 'postgres' ? await dispatchers(location) : null,
    };
    console.log(
      `${label}: ${hashes.toLocaleString('en')} distinct hashes, ${result.calls} calls, ${result.rejected} quota 429s from the fake; ` +
        `steady ${Math.round(steadyPerMinute).toLocaleString('en')}/min, first to last call ${Math.round(overallPerMinute).toLocaleString('en')}/min; ` +
        `uploads of ${Math.floor(hashes / 3)} lines each stored in ${uploadSeconds.join(' / ')} s (the later ones while lookups ran), ${((uploaded - started) / 1000).toFixed(1)} s of ${seconds.toFixed(1)} s to the last report completed` +
        (result.dispatchers !== null ? `; instances holding the dispatcher lock: ${result.dispatchers}` : ''),
    );
    return result;
  } finally {
    await Promise.all(apps.map((app) => app.kill()));
    await sim.close();
  }
}
