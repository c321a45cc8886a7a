/**
 * DATABASE_URL (PostgreSQL) or DATABASE_PATH (SQLite). The app also applies pending migrations itself at start.
 */
import { existsSync } from 'node:fs';
import { ConfigError, databaseLocation, loadConfig } from '../src/shared/config.js';
import { databaseLabel } from '../src/shared/database-label.js';
import { createMigrator, openDatabase } from '../src/shared/database.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const direction = process.argv[2] ?? 'latest';
if (!['latest', 'up', 'down'].includes(direction)) {
  console.error('usage: npm run migrate -- [latest|up|down]');
  process.exit(2);
}
try {
  const config = loadConfig();
  const { db } = openDatabase(databaseLocation(config));
  const migrator = createMigrator(db);
  const { error, results } =
    direction === 'up' ? await migrator.migrateUp() : direction === 'down' ? await migrator.migrateDown() : await migrator.migrateToLatest();
  for (const r of results ?? []) console.log(`${r.status === 'Error' ? 'FAILED' : r.direction === 'Down' ? 'reverted' : 'applied'}: ${r.migrationName}`);
  if (!results?.length && !error) console.log(`${databaseLabel(config)}: nothing to do`);
  await db.destroy();
  if (error) {
    console.error('migration failed:', error);
    process.exit(1);
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
