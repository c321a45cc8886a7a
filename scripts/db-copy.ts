/**
 * `npm run db:copy -- --to postgres://user@host/db`: copies the configured SQLite file (DATABASE_PATH)
 * into an empty PostgreSQL database, table by table in batches, printing progress, and checks every
 * table's row count at the end. Sessions are not copied: users sign in again. Stop the app first.
 * See docs/scaling.md ("Moving an existing deployment").
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../src/shared/config.js';
import { isPostgresUrl, openDatabase } from '../src/shared/database.js';
import { CopyRefused, copyDatabase, type CopyProgress } from '../src/shared/database-copy.js';

if (existsSync('.env')) process.loadEnvFile('.env');

const args = process.argv.slice(2);
const to = args[args.indexOf('--to') + 1];
if (!args.includes('--to') || !to || !isPostgresUrl(to)) {
  console.error('usage: npm run db:copy -- --to postgres://user:password@host:5432/database');
  process.exit(2);
}

let exitCode = 0;
try {
  // DATABASE_URL would make the app use PostgreSQL; the copy reads the SQLite file, so it is ignored here.
  const config = loadConfig({ ...process.env, DATABASE_URL: undefined });
  if (!existsSync(config.databasePath)) throw new CopyRefused(`No SQLite database at ${config.databasePath} (DATABASE_PATH).`);
  const source = openDatabase(config.databasePath);
  const target = openDatabase(to);
  const tty = process.stderr.isTTY;
  // One line per table that rewrites itself on a terminal; in a log, a line per table and every 100,000 rows.
  const progress = ({ table, copied, total }: CopyProgress) => {
    const line = `${table}: ${copied.toLocaleString('en')} / ${total.toLocaleString('en')} rows`;
    if (tty) process.stderr.write(`\r\x1b[K${line}${copied === total ? '\n' : ''}`);
    else if (copied === total || copied % 100_000 === 0) process.stderr.write(`${line}\n`);
  };
  try {
    const started = Date.now();
    const copied = await copyDatabase(source.db, target.db, progress);
    const rows = copied.reduce((sum, t) => sum + t.rows, 0);
    console.log(`Copied ${rows.toLocaleString('en')} rows in ${copied.length} tables in ${((Date.now() - started) / 1000).toFixed(1)} s; every table's count matches.`);
    console.log('Sessions were not copied: everyone signs in again.');
    console.log(
      config.secretKey
        ? 'Users\' own API keys are sealed with SECRET_KEY: give every PostgreSQL instance the same SECRET_KEY.'
        : `Users' own API keys are sealed with the key in ${config.secretKeyFile}: set SECRET_KEY on every PostgreSQL instance to its contents.`,
    );
  } finally {
    await source.close();
    await target.close();
  }
} catch (err) {
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.error(err instanceof ConfigError || err instanceof CopyRefused ? err.message : err);
  exitCode = 1;
}
process.exit(exitCode);
