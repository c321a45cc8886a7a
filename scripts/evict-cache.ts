/**
 * `npm run evict-cache`: deletes VirusTotal answers older than CACHE_TTL_HOURS from the shared
 * cache on DATABASE_PATH, the same job the app runs every hour. Reports keep their own copies.
 */
import { existsSync } from 'node:fs';
import { ConfigError, databaseLocation, loadConfig } from '../src/shared/config.js';
import { databaseLabel } from '../src/shared/database-label.js';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { evictExpiredCache } from '../src/lookups/cache-eviction.js';

if (existsSync('.env')) process.loadEnvFile('.env');
try {
  const config = loadConfig();
  const { db } = openDatabase(databaseLocation(config));
  await migrateToLatest(db);
  const evicted = await evictExpiredCache(db, config.cacheTtlMs);
  console.log(`evicted ${evicted} cache entr${evicted === 1 ? 'y' : 'ies'} older than ${config.cacheTtlMs / 3_600_000} h from ${databaseLabel(config)}`);
  await db.destroy();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
