import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/shared/config.js';
import { startRuntime, type Runtime, type RuntimeTuning } from '../../src/runtime.js';
import { AUTH_LIMITS, type AuthLimits } from '../../src/auth/throttle.js';
import { startVtSimulator, type KeyLimits, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture.js';
import { HttpClient } from './http-client.js';
import { openTestDatabase, type TestDatabase } from './test-database.js';
import { createAppDatabase, testDatabaseUrl, type AppDatabase } from './test-postgres.js';

export const TEST_KEY = 'test-key-0123456789abcdef';

/**
 * Every client of a test app is 127.0.0.1, and suites register dozens of users: the per-address
 * limits are lifted. The per-account limit stays real; auth-throttle.test.ts sets tight ones.
 */
export const TEST_AUTH_LIMITS: AuthLimits = {
  ...AUTH_LIMITS,
  loginIp: { ...AUTH_LIMITS.loginIp, free: 100_000, lockAfter: 100_000 },
  registerIp: { ...AUTH_LIMITS.registerIp, free: 100_000, lockAfter: 100_000 },
};

export interface TestAppOptions {
  /** Extra environment for loadConfig (strings, as in a real environment). */
  env?: Record<string, string>;
  /** Limits the fake VirusTotal enforces on TEST_KEY; default: generous. */
  simKey?: KeyLimits;
  /** Length of a "minute" for both the fake and the app's limiter. */
  minuteMs?: number;
  generate?: boolean;
  mail?: boolean;
  tuning?: RuntimeTuning;
  /** Reuse an existing database file (restart tests); with `databaseUrl`, the folder of its secret key. See sameDatabase. */
  databasePath?: string;
  /** Reuse an existing PostgreSQL database (restart tests on the PostgreSQL run). See sameDatabase. */
  databaseUrl?: string;
  /** Reuse a running fake. */
  sim?: VtSimulator;
  /** Start without VT_API_KEY, as an install that has no key yet. */
  noKey?: boolean;
}

export interface TestApp {
  url: string;
  runtime: Runtime;
  sim: VtSimulator;
  smtp: SmtpCapture | null;
  databasePath: string;
  /** The app's PostgreSQL database on the PostgreSQL run (TEST_DATABASE_URL); null on SQLite. */
  databaseUrl: string | null;
  /** DATABASE_PATH (and DATABASE_URL on PostgreSQL): the environment a CLI or child process needs to open this app's database. */
  databaseEnv: Record<string, string>;
  /** The test's own connections to the database file (not the app's): rows to assert, rarely a write to arrange. */
  db: TestDatabase;
  client(): HttpClient;
  /** Stops the app only (the fake and SMTP stay up, e.g. for a restart). */
  stopApp(): Promise<void>;
  stop(): Promise<void>;
}

/** Options that start another app on the same database as `app` (a restart), on either database. */
export function sameDatabase(app: { databasePath: string; databaseUrl?: string | null }): Pick<TestAppOptions, 'databasePath' | 'databaseUrl'> {
  return app.databaseUrl ? { databasePath: app.databasePath, databaseUrl: app.databaseUrl } : { databasePath: app.databasePath };
}

/**
 * PostgreSQL databases in use, by URL: the last app (or test) to let go of one drops it, so a
 * restarted app never loses its database to the first app's stop().
 */
const holders = new Map<string, { count: number; drop: () => Promise<void> }>();

function hold(url: string): void {
  const held = holders.get(url);
  if (held) held.count++;
}

async function letGo(url: string | null): Promise<void> {
  const held = url ? holders.get(url) : undefined;
  if (!url || !held || --held.count > 0) return;
  holders.delete(url);
  await held.drop();
}

export interface SharedDatabase {
  databasePath: string;
  databaseUrl: string | null;
  /** DATABASE_PATH, and DATABASE_URL on the PostgreSQL run: for a child process (startChildApp's env). */
  databaseEnv: Record<string, string>;
  /** This test is done with it (apps started on it hold it until they stop). */
  release(): Promise<void>;
}

/**
 * A database for several apps in turn (restarts, a child process killed and restarted): a SQLite
 * file in `dir`, or on the PostgreSQL run a fresh PostgreSQL database. Start apps on it with
 * `sameDatabase(shared)`.
 */
export async function createSharedDatabase(dir: string): Promise<SharedDatabase> {
  const databasePath = join(dir, 'app.sqlite');
  const cluster = testDatabaseUrl();
  const created = cluster ? await createAppDatabase(cluster) : null;
  if (created) holders.set(created.url, { count: 1, drop: created.drop });
  const databaseUrl = created?.url ?? null;
  return {
    databasePath,
    databaseUrl,
    databaseEnv: { DATABASE_PATH: databasePath, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
    release: () => letGo(databaseUrl),
  };
}

/**
 * The whole app as a user would run it, on a temp SQLite file (or, on the PostgreSQL run, a fresh
 * PostgreSQL database of its own), against a real HTTP fake of
 * VirusTotal and (optionally) a real SMTP server on loopback.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const minuteMs = options.minuteMs ?? 1000;
  const ownsSim = !options.sim;
  const sim =
    options.sim ??
    (await startVtSimulator({
      keys: { [TEST_KEY]: options.simKey ?? { perMinute: 1000, perDay: 100_000 } },
      minuteMs,
      generate: options.generate ?? false,
    }));
  const smtp = options.mail ? await startSmtpCapture() : null;
  const dir = options.databasePath ? null : mkdtempSync(join(tmpdir(), 'hash-report-'));
  const databasePath = options.databasePath ?? join(dir ?? '', 'app.sqlite');
  // A database made here is dropped once the last app on it stopped (see holders).
  const cluster = testDatabaseUrl();
  const owned: AppDatabase | null = !options.databaseUrl && !options.databasePath && cluster ? await createAppDatabase(cluster) : null;
  if (owned) holders.set(owned.url, { count: 1, drop: owned.drop });
  else if (options.databaseUrl) hold(options.databaseUrl);
  const databaseUrl = options.databaseUrl ?? owned?.url ?? null;
  const databaseEnv: Record<string, string> = { DATABASE_PATH: databasePath, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ...databaseEnv,
    ...(options.noKey ? {} : { VT_API_KEY: TEST_KEY }),
    VT_API_URL: sim.url,
    VT_RATE_PER_MINUTE: '1000',
    VT_RATE_PER_DAY: '100000',
    LOG_LEVEL: 'silent',
    // Suites upload many lists a minute from one user; upload-limits.test.ts sets a tight limit.
    UPLOADS_PER_MINUTE: '10000',
    ...(smtp ? { SMTP_URL: smtp.url, APP_URL: 'http://reports.example.test' } : {}),
    ...options.env,
  });
  const runtime = await startRuntime(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    rateWindowMs: minuteMs,
    lookupTimeoutMs: 2000,
    retryBaseMs: 20,
    maxAttempts: 3,
    authRetryMs: 60_000,
    // Suites inject failures back to back; only the breaker's own tests should trip it for long.
    breakerThreshold: 10,
    breakerProbeMs: 200,
    emailRetryBaseMs: 50,
    emailMaxAttempts: 3,
    shutdownGraceMs: 3000,
    authLimits: TEST_AUTH_LIMITS,
    ...options.tuning,
  });
  const db = openTestDatabase(databaseUrl ?? databasePath);
  let appStopped = false;
  const stopApp = async () => {
    if (appStopped) return;
    appStopped = true;
    await db.close();
    await runtime.stop();
  };
  return {
    url: runtime.url,
    runtime,
    sim,
    smtp,
    databasePath,
    databaseUrl,
    databaseEnv,
    db,
    client: () => new HttpClient(runtime.url),
    stopApp,
    async stop() {
      await stopApp();
      await db.close();
      if (ownsSim) await sim.close();
      await smtp?.close();
      await letGo(databaseUrl);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a truthy value, or fails with `message` after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, message: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Wakes the lookup scheduler, then the email sender, and waits until neither has anything it can
 * do now: the point after which "nothing else happened" is a fact, not a guess about a sleep.
 */
export async function appIdle(app: TestApp): Promise<void> {
  await app.runtime.scheduler.whenIdle();
  await app.runtime.notifier.whenIdle();
}

/** Reads a report's status document as its owner sees it. */
export async function reportStatus(client: HttpClient, id: string) {
  const response = await client.request(`/reports/${id}/status.json`);
  if (!response.ok) throw new Error(`status.json answered ${response.status}`);
  return (await response.json()) as { status: string; counts: Record<string, number>; progress: number; estimatedFinish: string | null; paused: string | null };
}

export async function waitForCompletion(client: HttpClient, id: string, timeoutMs = 15_000) {
  return waitFor(async () => {
    const s = await reportStatus(client, id);
    return s.status === 'completed' ? s : null;
  }, `report ${id} to complete`, timeoutMs);
}

export async function exportJson(client: HttpClient, id: string) {
  const response = await client.request(`/reports/${id}/export.json`);
  if (!response.ok) throw new Error(`export.json answered ${response.status}`);
  return (await response.json()) as {
    id: string; name: string; status: string; counts: Record<string, number>;
    items: Array<Record<string, unknown> & { line: number; input: string; status: string; verdict: string; fromCache: boolean | null; error: string | null }>;
  };
}

export function reportIdFrom(response: Response): string {
  const location = response.headers.get('location') ?? '';
  const match = /^\/reports\/([A-Za-z0-9_-]+)$/.exec(location);
  if (!match?.[1]) throw new Error(`expected a redirect to a report, got ${response.status} ${location}`);
  return match[1];
}
