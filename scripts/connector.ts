/**
 * `npm run connector [-- --once]`: runs the watched-folder connectors of CONNECTORS_FILE against
 * DATABASE_PATH without the web app. With --once, one pass of each connector and exit (for cron);
 * without, a pass per connector every interval until SIGINT or SIGTERM. Lookups are the running
 * app's job: it finds the reports made here in the database.
 */
import { existsSync } from 'node:fs';
import { ConfigError, databaseLocation, loadConfig, type Config } from '../src/shared/config.js';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { createLogger } from '../src/shared/logger.js';
import { loadConnectorsFile, type ConnectorConfig } from '../src/connector/connector.config.js';
import { connectorDeps } from '../src/connector/connector-deps.js';
import { describePass, runConnectorPass } from '../src/connector/connector-pass.js';
import { startConnectorLoop } from '../src/connector/connector-loop.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const args = process.argv.slice(2);
if (args.some((a) => a !== '--once')) {
  console.error('usage: npm run connector -- [--once]');
  process.exit(2);
}
const once = args.includes('--once');

let config: Readonly<Config>;
let connectors: ConnectorConfig[];
try {
  config = loadConfig();
  if (!config.connectorsFile) throw new ConfigError('Invalid configuration:\n  CONNECTORS_FILE: required: the path of connectors.json');
  connectors = loadConnectorsFile(config.connectorsFile);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const logger = createLogger(config.logLevel);
const database = openDatabase(databaseLocation(config));
for (const result of await migrateToLatest(database.db)) logger.info({ migration: result.migrationName, status: result.status }, 'migration');
const deps = connectorDeps(config, database, logger.child({ feature: 'connector' }));

if (once) {
  for (const connector of connectors) {
    console.log(describePass(await runConnectorPass(deps, connector), connector.ownerEmail));
  }
  await database.db.destroy();
} else {
  const loop = startConnectorLoop(deps, connectors, { unref: false });
  logger.info({ connectors: connectors.map((c) => c.name) }, 'watching folders; stop with Ctrl-C');
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping connectors');
    await loop.stop();
    await database.db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
