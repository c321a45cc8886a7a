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
  /** Reuse an existing database file (restart tests). */
  databasePath?: string;
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
  /** The test's own connections to the database file (not the app's): rows to assert, rarely a write to arrange. */
  db: TestDatabase;
  client(): HttpClient;
  /** Stops the app only (the fake and SMTP stay up, e.g. for a restart). */
  stopApp(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole app as a user would run it, on a temp SQLite file, against a real HTTP fake of
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
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: databasePath,
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
  const db = openTestDatabase(databasePath);
  let appStopped = false;
  const stopApp = async () => {
    if (appStopped) return;
    appStopped = true;
    db.close();
    await runtime.stop();
  };
  return {
    url: runtime.url,
    runtime,
    sim,
    smtp,
    databasePath,
    db,
    client: () => new HttpClient(runtime.url),
    stopApp,
    async stop() {
      await stopApp();
      db.close();
      if (ownsSim) await sim.close();
      await smtp?.close();
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
