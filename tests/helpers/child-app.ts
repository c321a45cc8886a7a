import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeTuning } from '../../src/runtime.js';
import { TEST_KEY } from './test-app.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildAppOptions {
  /** Environment for loadConfig on top of the defaults (test key, generous rate, silent logs). */
  env?: Record<string, string>;
  /** Runtime knobs; plain data only, as they travel to the child as JSON (so no logger). */
  tuning?: Omit<RuntimeTuning, 'logger'>;
  /** A fixed port, so a restarted child keeps its URL and clients keep their sessions. Default: any free one. */
  port?: number;
  startTimeoutMs?: number;
}

export interface ChildApp {
  url: string;
  process: ChildProcess;
  /** Settles when the process has ended, however it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, the way a crashed server dies, then waits for the end. */
  kill(): Promise<void>;
}

const DEFAULT_TUNING: ChildAppOptions['tuning'] = { rateWindowMs: 1000, lookupTimeoutMs: 5000, retryBaseMs: 20, maxAttempts: 3 };

/**
 * The real app in its own process on `databasePath`, against the fake at `vtUrl`, so it can die
 * the way a crashed server does (SIGKILL: no shutdown code runs).
 */
export async function startChildApp(databasePath: string, vtUrl: string, options: ChildAppOptions = {}): Promise<ChildApp> {
  const runtimeUrl = new URL('../../src/runtime.ts', import.meta.url).href;
  const configUrl = new URL('../../src/shared/config.ts', import.meta.url).href;
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  // A file, not --eval: worker threads inherit the parent's flags, and --input-type breaks them.
  const script = join(dirname(databasePath), 'child-app.mjs');
  writeFileSync(
    script,
    `const { loadConfig } = await import(${JSON.stringify(configUrl)});
const { startRuntime } = await import(${JSON.stringify(runtimeUrl)});
const runtime = await startRuntime(loadConfig(process.env), ${JSON.stringify(tuning)});
process.stdout.write('LISTENING ' + runtime.url + '\\n');
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      DATABASE_PATH: databasePath,
      VT_API_KEY: TEST_KEY,
      VT_API_URL: vtUrl,
      VT_RATE_PER_MINUTE: '1000',
      VT_RATE_PER_DAY: '100000',
      LOG_LEVEL: 'silent',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout: string | null = '';
    const timer = setTimeout(() => reject(new Error(`child app did not start: ${stderr}`)), options.startTimeoutMs ?? 15_000);
    // Read on after start-up too, or a full pipe would block the child's logging.
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout === null) return;
      stdout += chunk.toString();
      const match = /LISTENING (\S+)/.exec(stdout);
      if (match?.[1]) {
        stdout = null;
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`child app exited with ${code ?? signal}: ${stderr}`));
    });
  });
  return {
    url,
    process: child,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A port nobody listens on right now, for a child that must keep its URL across restarts. */
export { freePort } from '../../scripts/postgres-cluster.js';
