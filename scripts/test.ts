/**
 * `npm test`: runs the test suite with node:test + tsx.
 *
 *   npm test                          typecheck, lint, then all tiers: unit, integration, e2e
 *   npm test -- unit                  one tier
 *   npm test -- integration e2e       several tiers
 *   npm test -- tests/unit/x.test.ts  explicit files (mixable with tiers)
 *   npm test -- e2e --test-name-pattern=login   extra `--` flags go to node --test
 *
 * Only the full run (no tier or file named) runs `npm run typecheck` and `npm run lint` first, so
 * CI checks both while a developer's `npm test -- tests/unit/x.test.ts` stays fast.
 *
 * The integration tier runs twice: on SQLite, then on PostgreSQL (every file but those listed in
 * tests/sqlite-only.ts, with the reason each is about the SQLite file); the files in
 * tests/postgres-only.ts run on the PostgreSQL pass only. For the PostgreSQL pass this
 * script starts a throwaway cluster (scripts/postgres-cluster.ts: initdb and pg_ctl, a free port,
 * fsync off, removed at the end, also when the run fails or is interrupted) and hands its URL to the
 * tests as TEST_DATABASE_URL; each test app gets a fresh database on it. TEST_DATABASES=sqlite or
 * TEST_DATABASES=postgres runs one pass only (postgres: only the integration files, on PostgreSQL).
 *
 * Browser tests (the files that use tests/helpers/browser.ts or playwright) need a system
 * Chromium. It is looked up here (CHROMIUM_PATH, then /usr/bin/chromium, then
 * /usr/lib/chromium/chromium), installed with apt when running as root on Debian, and handed to
 * the tests as CHROMIUM_PATH. Browser tests are never skipped: without Chromium this script fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { POSTGRES_ONLY } from '../tests/postgres-only.js';
import { SQLITE_ONLY } from '../tests/sqlite-only.js';
import { ensurePostgresBin, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';

const TIERS = ['unit', 'integration', 'e2e'] as const;
type Tier = (typeof TIERS)[number];

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const testsDir = path.join(repoRoot, 'tests');

function isTier(value: string): value is Tier {
  return (TIERS as readonly string[]).includes(value);
}

function fail(message: string): never {
  console.error(`\n[test] ${message}\n`);
  process.exit(1);
}

/** All *.test.ts files below tests/<tier>/, recursively, sorted. Uses fs: Node 20's --test expands no globs. */
function collectTier(tier: Tier): string[] {
  const dir = path.join(testsDir, tier);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => rel.endsWith('.test.ts'))
    .map((rel) => path.join(dir, rel))
    .filter((file) => statSync(file).isFile())
    .sort();
}

function tierOf(file: string): Tier | 'other' {
  const rel = path.relative(testsDir, file).split(path.sep);
  const first = rel[0] ?? '';
  return rel.length > 1 && isTier(first) ? first : 'other';
}

// ---------------------------------------------------------------- arguments

const passThrough: string[] = [];
const selectedTiers: Tier[] = [];
const explicitFiles: string[] = [];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--')) passThrough.push(arg);
  else if (isTier(arg)) {
    if (!selectedTiers.includes(arg)) selectedTiers.push(arg);
  } else {
    const file = path.resolve(arg);
    if (!existsSync(file) || !statSync(file).isFile()) {
      fail(`"${arg}" is neither a tier (${TIERS.join(', ')}) nor an existing test file.`);
    }
    explicitFiles.push(file);
  }
}

const fullRun = selectedTiers.length === 0 && explicitFiles.length === 0;
const tiersToRun: Tier[] = fullRun ? [...TIERS] : TIERS.filter((t) => selectedTiers.includes(t)); // keep unit → integration → e2e order

const files: string[] = [];
for (const tier of tiersToRun) files.push(...collectTier(tier));
for (const file of explicitFiles) if (!files.includes(file)) files.push(file);

const counts = new Map<string, number>();
for (const file of files) counts.set(tierOf(file), (counts.get(tierOf(file)) ?? 0) + 1);
console.log('[test] test files:');
for (const tier of [...TIERS, 'other'] as const) {
  const selected = tiersToRun.includes(tier as Tier) || counts.has(tier);
  if (selected) console.log(`[test]   ${tier.padEnd(12)}${counts.get(tier) ?? 0}`);
}
if (files.length === 0) fail('No test files found (looked for tests/<tier>/**/*.test.ts).');

// ---------------------------------------------------------------- typecheck and lint

if (fullRun) {
  for (const script of ['typecheck', 'lint']) {
    console.log(`[test] $ npm run ${script}`);
    const result = spawnSync('npm', ['run', '--silent', script], { cwd: repoRoot, stdio: 'inherit' });
    if (result.error || result.status !== 0) {
      fail(`npm run ${script} failed (${result.error?.message ?? `exit code ${result.status}`}); no tests were run.`);
    }
  }
}

// ---------------------------------------------------------------- Chromium

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/lib/chromium/chromium'];

function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) fail(`CHROMIUM_PATH is set to "${fromEnv}", but that file does not exist.`);
    return fromEnv;
  }
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p));
}

function aptInstallChromium(): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log('[test] Chromium not found; installing it with apt-get (running as root on Debian)…');
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    console.log(`[test] $ apt-get ${args.join(' ')}`);
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.error || result.status !== 0) {
      console.error(`[test] apt-get ${args[0]} failed (${result.error?.message ?? `exit code ${result.status}`}).`);
      return;
    }
  }
}

// Only the browser tests start Chromium; they all go through tests/helpers/browser.ts (playwright-core).
// A run without them (unit, integration) neither needs nor installs it.
const launchesBrowser = (file: string) => /helpers\/browser\.js|playwright/.test(readFileSync(file, 'utf8'));
const needsChromium = files.some(launchesBrowser);
let chromiumPath: string | undefined;
if (needsChromium) {
  chromiumPath = findChromium();
  if (!chromiumPath && existsSync('/etc/debian_version') && process.getuid?.() === 0) {
    aptInstallChromium();
    chromiumPath = findChromium();
  }
  if (!chromiumPath) {
    fail(
      'Chromium is required for the browser tests and was not found ' +
        `(checked CHROMIUM_PATH, ${CHROMIUM_CANDIDATES.join(', ')}).\n` +
        '       Install it:  sudo apt-get install chromium\n' +
        '       or point to an existing binary:  CHROMIUM_PATH=/path/to/chromium npm test\n' +
        '       Browser tests are never skipped.',
    );
  }
  console.log(`[test] Chromium: ${chromiumPath}`);
}

// ---------------------------------------------------------------- databases

const databases = process.env.TEST_DATABASES ?? 'both';
if (!['both', 'sqlite', 'postgres'].includes(databases)) fail(`TEST_DATABASES must be both, sqlite or postgres, not "${databases}".`);
const rel = (file: string) => path.relative(repoRoot, file).split(path.sep).join('/');
const sqliteFiles = databases === 'postgres' ? [] : files.filter((f) => !(rel(f) in POSTGRES_ONLY));
const postgresFiles = databases === 'sqlite' ? [] : files.filter((f) => tierOf(f) === 'integration' && !(rel(f) in SQLITE_ONLY));
if (databases === 'sqlite') {
  for (const f of files) if (rel(f) in POSTGRES_ONLY) console.log(`[test] PostgreSQL only, not run: ${rel(f)} (${POSTGRES_ONLY[rel(f)]})`);
}
if (databases === 'postgres') {
  for (const f of files) if (tierOf(f) === 'integration' && rel(f) in SQLITE_ONLY) console.log(`[test] SQLite only, not run: ${rel(f)} (${SQLITE_ONLY[rel(f)]})`);
}

let cluster: PostgresCluster | null = null;
const stopCluster = () => {
  try {
    cluster?.stop();
  } catch (err) {
    console.error(`[test] could not stop the PostgreSQL cluster: ${err instanceof Error ? err.message : String(err)}`);
  }
};
// However the run ends: the cluster's server and folder go with it.
process.on('exit', stopCluster);
if (postgresFiles.length > 0) {
  const found = ensurePostgresBin((line) => console.log(`[test] ${line}`));
  if ('error' in found) fail(found.error);
  const started = Date.now();
  cluster = await startPostgresCluster(found.bin);
  console.log(`[test] PostgreSQL: throwaway cluster on port ${cluster.port} (${found.bin}, started in ${Date.now() - started} ms)`);
}

// ---------------------------------------------------------------- run

// Concurrency 1: integration and browser tests start servers, and CI has 2 cores.
// A test that hangs (a cleanup waiting on something that never comes) must fail, not hold CI: it fails
// after HANG_MS (the slowest test takes about a minute on a loaded machine), and force-exit ends its
// file even when a hook or a handle it left would keep the process alive.
const HANG_MS = 600_000;
function runPass(label: string, passFiles: string[], extraEnv: Record<string, string>): Promise<number> {
  const guards = ['--test-force-exit', `--test-timeout=${HANG_MS}`];
  const nodeArgs = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...guards, ...passThrough, ...passFiles.map(rel)];
  console.log(`[test] ${label}: $ node ${nodeArgs.slice(0, 7 + passThrough.length).join(' ')} <${passFiles.length} files>\n`);
  const child = spawn(process.execPath, nodeArgs, {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, ...(chromiumPath ? { CHROMIUM_PATH: chromiumPath } : {}), ...extraEnv },
  });
  current = child;
  return new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`[test] Could not start node: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      current = null;
      if (signal) console.error(`[test] test run killed by ${signal}`);
      resolve(signal ? 1 : (code ?? 1));
    });
  });
}

let current: ReturnType<typeof spawn> | null = null;
let interrupted = false;
// Ctrl-C reaches the child through the terminal's process group; for a plain `kill`, pass it on.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    if (current) current.kill(signal);
    else process.exit(1);
  });
}

let failed = false;
if (sqliteFiles.length > 0) failed = (await runPass(postgresFiles.length > 0 ? 'SQLite' : 'run', sqliteFiles, {})) !== 0 || failed;
if (postgresFiles.length > 0 && cluster && !interrupted) {
  failed = (await runPass('PostgreSQL', postgresFiles, { TEST_DATABASE_URL: cluster.url })) !== 0 || failed;
}
stopCluster();
process.exit(failed || interrupted ? 1 : 0);
