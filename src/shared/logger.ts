import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout; secrets that could reach a log line are redacted by path. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-apikey"]', 'res.headers["set-cookie"]', 'apiKey', '*.apiKey', 'secret', '*.secret'],
  });
}
