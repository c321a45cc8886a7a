import { pino, type Logger } from 'pino';
import { prettyDestination } from './log-format.js';

export type { Logger };

export type LogFormat = 'auto' | 'json' | 'pretty';

const REDACT = ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-apikey"]', 'res.headers["set-cookie"]', 'apiKey', '*.apiKey', 'secret', '*.secret'];

/**
 * Logs to stdout: JSON lines for a service manager or a log shipper, readable lines for a person at
 * a terminal (`auto` tells them apart by whether stdout is a TTY). Secrets that could reach a log
 * line are redacted by path either way.
 */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const options = { level, redact: REDACT };
  return pretty ? pino(options, prettyDestination(process.stdout, process.stdout.isTTY === true)) : pino(options);
}
