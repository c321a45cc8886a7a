import { z } from 'zod';

/**
 * Every setting the app reads, parsed once at start. No other module reads process.env:
 * a wrong value stops the app here with one message listing every problem.
 */
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalString = z.string().trim().min(1).optional().catch(undefined);

const schema = z.object({
  /** HTTP port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to bind; unset binds all interfaces (as Node does by default). */
  HOST: optionalString,
  /** SQLite file; created with its folder when missing. */
  DATABASE_PATH: z.string().min(1).default('db/data/app.sqlite'),
  /** Signs session cookies; when unset one is generated once and kept in the database. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** VirusTotal API key; when unset uploads queue and a banner says lookups wait for a key. */
  VT_API_KEY: optionalString,
  /** VirusTotal API base URL (the demo points it at the local simulator). */
  VT_API_URL: z.url().default('https://www.virustotal.com/api/v3'),
  /** Requests allowed in any 60-second window (public key: 4). */
  VT_RATE_PER_MINUTE: positiveInt(4),
  /** Requests allowed per UTC day (public key: 500). */
  VT_RATE_PER_DAY: positiveInt(500),
  /** How long a VirusTotal answer stays fresh, counted from our own fetch. */
  CACHE_TTL_HOURS: z.coerce.number().positive().default(24),
  /** SMTP server for completion emails, e.g. smtp://user:pass@host:587; unset hides the email option. */
  SMTP_URL: optionalString,
  /** Sender address of emails. */
  MAIL_FROM: z.string().min(3).default('Hash Report <hash-report@localhost>'),
  /** Public base URL, used for links in emails; https here also marks cookies Secure. */
  APP_URL: z.url().optional(),
  /** Largest accepted upload (file or pasted text), in megabytes. */
  MAX_UPLOAD_MB: z.coerce.number().positive().max(2048).default(100),
  /** Log level for pino. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
});

export interface Config {
  port: number;
  host: string | undefined;
  databasePath: string;
  sessionSecret: string | undefined;
  vt: {
    apiKey: string | undefined;
    apiUrl: string;
    ratePerMinute: number;
    ratePerDay: number;
  };
  cacheTtlMs: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  appUrl: string;
  /** Cookies get the Secure flag: the app is served over https. */
  secureCookies: boolean;
  maxUploadBytes: number;
  logLevel: string;
  production: boolean;
}

export class ConfigError extends Error {}

/** Parses an environment (process.env by default) into a frozen Config, or throws ConfigError listing every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const appUrl = (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    sessionSecret: e.SESSION_SECRET,
    vt: Object.freeze({
      apiKey: e.VT_API_KEY,
      apiUrl: e.VT_API_URL.replace(/\/+$/, ''),
      ratePerMinute: e.VT_RATE_PER_MINUTE,
      ratePerDay: e.VT_RATE_PER_DAY,
    }),
    cacheTtlMs: Math.round(e.CACHE_TTL_HOURS * 3_600_000),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    appUrl,
    secureCookies: appUrl.startsWith('https:'),
    maxUploadBytes: Math.floor(e.MAX_UPLOAD_MB * 1024 * 1024),
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
  });
}
