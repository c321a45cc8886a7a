import type { Config } from './config.js';

/** The database named for a person (logs, CLI output): the URL without its password. */
export function databaseLabel(config: Pick<Config, 'databaseUrl' | 'databasePath'>): string {
  if (!config.databaseUrl) return config.databasePath;
  const url = new URL(config.databaseUrl);
  url.password = '';
  return url.toString();
}
