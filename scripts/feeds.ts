/**
 * `npm run feeds -- export --type domains --since 2026-12-01T00:00Z`: streams the objects the feeds
 * (and lookups) stored, one per id and the newest, as NDJSON on stdout, for loading into BigQuery or
 * any warehouse. Reads DATABASE_PATH / DATABASE_URL like the app.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, databaseLocation, loadConfig } from '../src/shared/config.js';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { FEED_TYPES, type FeedType } from '../src/feeds/feed.table.js';
import { exportFeedObjects } from '../src/feeds/feed-export.js';

const USAGE = `usage: npm run feeds -- export --type ${FEED_TYPES.join('|')} [--since 2026-12-01T00:00Z]`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

if (existsSync('.env')) process.loadEnvFile('.env');
const { positionals, values } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { type: { type: 'string' }, since: { type: 'string' } } });
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`);
  }
})();
if (positionals[0] !== 'export') fail(USAGE);
const type = values.type as FeedType | undefined;
if (!type || !FEED_TYPES.includes(type)) fail(`--type must be one of ${FEED_TYPES.join(', ')}\n${USAGE}`);
const since = new Date(values.since ?? 0);
if (Number.isNaN(since.getTime())) fail(`--since must be a date and time, e.g. 2026-12-01T00:00Z\n${USAGE}`);

try {
  const config = loadConfig();
  const { db } = openDatabase(databaseLocation(config));
  await migrateToLatest(db);
  let count = 0;
  for await (const line of exportFeedObjects(db, type, since)) {
    count++;
    // stdout may be a slow pipe into a loader: wait for it rather than buffer the export.
    if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
  }
  console.error(`exported ${count} ${type} object${count === 1 ? '' : 's'}`);
  await db.destroy();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
