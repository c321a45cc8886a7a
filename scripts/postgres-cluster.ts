/**
 * A throwaway PostgreSQL cluster for the test run: initdb and pg_ctl from the system's PostgreSQL
 * (Debian package `postgresql`), on a free port, its socket and data in a temporary folder, fsync off.
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (runuser).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication, loopback only). */
  url: string;
  port: number;
  /** Stops the server at once and deletes its folder; safe to call twice. */
  stop(): void;
}

const INSTALL_HINT =
  'PostgreSQL (initdb, pg_ctl) is needed for the PostgreSQL run of the integration tests and was not found.\n' +
  '       Install it:  sudo apt-get install postgresql   (Debian/Ubuntu; no service needs to run)\n' +
  '       or put a PostgreSQL 13+ bin folder on PATH, or set POSTGRES_BIN=/path/to/bin.';

/** The folder holding initdb and pg_ctl: POSTGRES_BIN, the newest /usr/lib/postgresql/N/bin, or PATH. */
export function findPostgresBin(): string | null {
  const fromEnv = process.env.POSTGRES_BIN;
  if (fromEnv) return existsSync(path.join(fromEnv, 'initdb')) ? fromEnv : null;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? path.dirname(which.stdout.trim()) : null;
}

/** Finds PostgreSQL, installing the Debian package when running as root on Debian; else explains and returns null. */
export function ensurePostgresBin(log: (line: string) => void): { bin: string } | { error: string } {
  let bin = findPostgresBin();
  if (!bin && existsSync('/etc/debian_version') && process.getuid?.() === 0) {
    log('PostgreSQL not found; installing it with apt-get (running as root on Debian)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'postgresql']]) {
      log(`$ apt-get ${args.join(' ')}`);
      const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (result.error || result.status !== 0) break;
    }
    bin = findPostgresBin();
  }
  return bin ? { bin } : { error: INSTALL_HINT };
}

/** A port nobody listens on right now (the cluster's; child apps that keep their URL across restarts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startPostgresCluster(bin: string): Promise<PostgresCluster> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'hash-report-pg-'));
  const data = path.join(dir, 'data');
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new Error('running as root, but there is no `postgres` user to run PostgreSQL as (it refuses root)');
    chownSync(dir, Number(ids.stdout), Number(gids.stdout));
    chmodSync(dir, 0o700);
  }
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : path.join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', path.join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
    if (result.error || result.status !== 0) {
      throw new Error(`${tool} failed (${result.error?.message ?? `exit code ${result.status}`}):\n${result.stdout}${result.stderr}`);
    }
  };
  // C locale: text sorts by bytes, as SQLite does.
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-locale', '-E', 'UTF8']);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
    try {
      run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      break;
    } catch (err) {
      // Someone took the port between the check and the start: try another.
      if (attempt >= 2) throw err;
    }
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
