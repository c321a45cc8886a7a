import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from './shared/config.js';
import { exposureWarnings } from './shared/exposure.js';
import { ListenError, startRuntime, type Runtime } from './runtime.js';

// A .env file in the working directory fills in settings the environment does not already have.
if (existsSync('.env')) process.loadEnvFile('.env');

let runtime: Runtime;
let config: Readonly<Config>;
try {
  config = loadConfig();
  // startRuntime reads CONNECTORS_FILE first, so a bad connectors.json stops the start here too.
  runtime = await startRuntime(config);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  if (err instanceof ListenError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const { logger } = runtime;
for (const warning of exposureWarnings(config)) logger.warn(warning);

async function shutdown(reason: string, code: number): Promise<void> {
  logger.info({ reason }, 'shutting down');
  const force = setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, 30_000).unref();
  try {
    await runtime.stop();
  } finally {
    clearTimeout(force);
    process.exit(code);
  }
}

process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
process.once('SIGINT', () => void shutdown('SIGINT', 0));
process.on('unhandledRejection', (err) => {
  logger.fatal({ err }, 'unhandled promise rejection');
  void shutdown('unhandledRejection', 1);
});
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception');
  void shutdown('uncaughtException', 1);
});
