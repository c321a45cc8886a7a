import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { WATCH_SETTINGS, watchConfigOf, type WithWatchConfig } from '../watch/watch.config.js';
import { FEED_SETTINGS, feedSettingsOf, type FeedSettings } from './feed-settings.js';

/**
 * Every setting the app reads, parsed once at start. No other module reads process.env: a wrong value stops the app here with one message listing every problem.
 */
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalString = z.string().trim().min(1).optional().catch(undefined);

const schema = z.object({
  /** HTTP port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /**
   * Interface to bind. Loopback by default: a fresh install is not reachable from the network until
   * HOST says so, e.g. 0.0.0.0 or ::.
   */
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  /** SQLite file; created with its folder when missing. */
  DATABASE_PATH: z.string().min(1).default('db/data/app.sqlite'),
  /**
   * PostgreSQL instead of the SQLite file: postgres://user:password@host:port/database. Unset: SQLite.
   * Checked by its form only; the message never repeats the value, which holds a password.
   */
  DATABASE_URL: z
    .string()
    .trim()
    .refine(isPostgresUrl, 'must be a PostgreSQL URL: postgres://user:password@host:port/database (or postgresql://…)')
    .optional(),
  /** Signs session cookies; when unset one is generated once and kept in the database. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** One shared VirusTotal API key, with the VT_RATE_* limits; when no key is set uploads queue and a banner says so. */
  VT_API_KEY: optionalString,
  /** Several shared keys: comma-separated `key` or `key:perMinute:perDay[:perMonth]`; a bare key gets the VT_RATE_* limits. */
  VT_API_KEYS: optionalString,
  /** VirusTotal API base URL (the demo points it at the local simulator). */
  VT_API_URL: z.url().default('https://www.virustotal.com/api/v3'),
  /** Requests allowed in any 60-second window (public key: 4). */
  VT_RATE_PER_MINUTE: positiveInt(4),
  /** Requests allowed per UTC day (public key: 500). */
  VT_RATE_PER_DAY: positiveInt(500),
  /** Requests allowed per calendar month (UTC); unset means no monthly cap beyond the daily one. */
  VT_RATE_PER_MONTH: z.coerce.number().int().positive().optional(),
  /** How long a VirusTotal answer stays fresh, counted from our own fetch. */
  CACHE_TTL_HOURS: z.coerce.number().positive().default(24),
  /** SMTP server for completion emails, e.g. smtp://user:pass@host:587; unset hides the email option. */
  SMTP_URL: optionalString,
  /** Sender address of emails. */
  MAIL_FROM: z.string().min(3).default('Hash Report <hash-report@localhost>'),
  /** Largest report file (CSV, PDF) attached to a "report ready" email; a larger one is replaced by the link. */
  MAIL_ATTACHMENT_MAX_MB: z.coerce.number().positive().max(1024).default(5),
  /** Public base URL, used for links in emails; https here also marks cookies Secure. */
  APP_URL: z.url().optional(),
  /**
   * Which proxies may set X-Forwarded-For/-Proto (Express "trust proxy"): false, true, a hop count, or
   * comma-separated addresses, subnets and loopback/linklocal/uniquelocal. Default: 1 when APP_URL is https, else false.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .refine((v) => parseTrustProxy(v) !== null, 'must be true, false, a hop count, or comma-separated addresses or subnets')
    .optional(),
  /** Minutes without a request after which a signed-in session ends (the cookie lapses then too). */
  SESSION_IDLE_MINUTES: z.coerce.number().positive().default(60),
  /** Hours after signing in at which a session ends however active it is. */
  SESSION_MAX_HOURS: z.coerce.number().positive().default(12),
  /** Largest accepted upload (file or pasted text), in megabytes. */
  MAX_UPLOAD_MB: z.coerce.number().positive().max(2048).default(100),
  /** Most lines (non-blank) one report may hold; a longer list is refused whole (form, API, connector). */
  MAX_REPORT_ROWS: positiveInt(1_000_000),
  /** Uploads one user may start per minute (form and API together); more get 429. */
  UPLOADS_PER_MINUTE: positiveInt(10),
  /** Encrypts users' own API keys at rest (at least 32 characters); when unset a key is generated into SECRET_KEY_FILE. */
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Where the generated secret key is kept, outside the database; default: secret.key beside the database file. */
  SECRET_KEY_FILE: optionalString,
  /** Comma-separated emails of admins, once each owner confirmed the address by email (needs SMTP_URL); `npm run admin -- grant` needs neither. */
  ADMIN_EMAILS: optionalString,
  /** Domains and IPs: a reputation below this is suspicious whatever the engines say. */
  VERDICT_REPUTATION_SUSPICIOUS_BELOW: z.coerce.number().int().default(-10),
  /** Domains and IPs: a reputation above this is not suspicious whatever the engines say. */
  VERDICT_REPUTATION_NOT_SUSPICIOUS_ABOVE: z.coerce.number().int().default(20),
  /** Domains and IPs with a reputation in between: this many engines saying malicious make them suspicious. */
  VERDICT_MALICIOUS_ENGINES: positiveInt(1),
  /** Domains and IPs with a reputation in between: this share of engines (percent) saying suspicious makes them suspicious. */
  VERDICT_SUSPICIOUS_PERCENT: z.coerce.number().positive().max(100).default(5),
  /** JSON API: requests one user may make per minute, across all their tokens; more get 429. */
  API_REQUESTS_PER_MINUTE: positiveInt(60),
  /**
   * Forced refreshes (a row's "Force refresh", POST /api/v1/refresh) one user may make per UTC day on the
   * shared keys' quota; more get 429. A user served only by their own key is not counted.
   */
  FORCED_REFRESHES_PER_DAY: positiveInt(100),
  /**
   * Most rows a PDF download (or a completion email's PDF) may hold; a larger one gets a page that
   * points to the CSV. pdfkit draws on the main thread: 20,000 rows take about 5 CPU-seconds.
   */
  PDF_MAX_ROWS: positiveInt(20_000),
  /** Downloads (export.pdf/.csv/.json, hashes.txt) one user may have in flight at once; one more gets 429. */
  DOWNLOADS_PER_USER: positiveInt(2),
  ...FEED_SETTINGS,
  /** Path of connectors.json, the watched folders; unset runs no connector. */
  CONNECTORS_FILE: optionalString,
  /** `auto`: one readable line per event when stdout is a terminal, JSON lines otherwise (a service, a pipe, a file). */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** Log level for pino. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...WATCH_SETTINGS,
});

export interface Config extends WithWatchConfig {
  port: number;
  host: string;
  databasePath: string;
  /** PostgreSQL connection URL; null: the SQLite file at databasePath. Holds a password: never logged. */
  databaseUrl: string | null;
  sessionSecret: string | undefined;
  vt: {
    /** Shared keys, in the order given; never logged. */
    keys: readonly SharedKeyConfig[];
    apiUrl: string;
  };
  cacheTtlMs: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  mailAttachmentMaxBytes: number;
  appUrl: string;
  /** Cookies get the Secure flag: the app is served over https. */
  secureCookies: boolean;
  /** Express "trust proxy": decides which address req.ip is, and so what the sign-in limits count. */
  trustProxy: TrustProxy;
  sessionIdleMs: number;
  sessionMaxMs: number;
  maxUploadBytes: number;
  maxReportRows: number;
  uploadsPerMinute: number;
  secretKey: string | undefined;
  secretKeyFile: string;
  /** Lowercased; an address here is admin only once its owner confirmed it (see admin.service.ts isAdmin). */
  adminEmails: readonly string[];
  /** How a domain's or an IP's answer becomes a verdict (files: one engine saying malicious). */
  verdict: VerdictThresholds;
  apiRequestsPerMinute: number;
  /** Forced refreshes one user may make per UTC day on the shared quota. */
  forcedRefreshesPerDay: number;
  pdfMaxRows: number;
  downloadsPerUser: number;
  /** VirusTotal feed ingestion (feeds/); `types` empty: off. */ feeds: FeedSettings;
  connectorsFile: string | undefined;
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
}

export interface VerdictThresholds {
  suspiciousBelow: number;
  notSuspiciousAbove: number;
  maliciousEngines: number;
  /** 0..1 */
  suspiciousShare: number;
}

export interface SharedKeyConfig {
  secret: string;
  perMinute: number;
  perDay: number;
  perMonth: number | null;
}

export class ConfigError extends Error {}

export type TrustProxy = boolean | number | readonly string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a subnet (address/prefix or address/netmask) or one of proxy-addr's names. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address = '', range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/** TRUST_PROXY as Express takes it, or null when it is none of the accepted forms. */
export function parseTrustProxy(text: string): TrustProxy | null {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  return entries.length > 0 && entries.every(isProxyEntry) ? Object.freeze(entries) : null;
}

type Limits = Omit<SharedKeyConfig, 'secret'>;

/** `key` or `key:perMinute:perDay[:perMonth]`, comma-separated; returns the keys or the problem. */
export function parseKeyList(text: string, defaults: Limits): SharedKeyConfig[] | string {
  const keys: SharedKeyConfig[] = [];
  for (const [i, entry] of text.split(',').map((e) => e.trim()).entries()) {
    if (entry === '') continue;
    const [secret = '', ...limits] = entry.split(':').map((p) => p.trim());
    const numbers = limits.map((n) => (/^\d+$/.test(n) ? Number(n) : NaN));
    if (secret === '' || limits.length === 1 || limits.length > 3 || numbers.some((n) => !(n > 0))) {
      return `entry ${i + 1} must be key or key:perMinute:perDay[:perMonth] with positive whole numbers`;
    }
    const [perMinute, perDay, perMonth] = numbers;
    keys.push({
      secret,
      perMinute: perMinute ?? defaults.perMinute,
      perDay: perDay ?? defaults.perDay,
      perMonth: perMonth ?? (limits.length > 0 ? null : defaults.perMonth),
    });
  }
  return keys;
}

/** postgres:// or postgresql:// with a host or a database name: what `pg` can connect to. */
function isPostgresUrl(text: string): boolean {
  if (!/^postgres(ql)?:\/\//i.test(text)) return false;
  try {
    const url = new URL(text);
    return url.hostname !== '' || url.pathname.length > 1 || url.searchParams.has('host');
  } catch {
    return false;
  }
}

/** Parses an environment (process.env by default) into a frozen Config, or throws ConfigError listing every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const defaults: Limits = { perMinute: e.VT_RATE_PER_MINUTE, perDay: e.VT_RATE_PER_DAY, perMonth: e.VT_RATE_PER_MONTH ?? null };
  const listed = parseKeyList(e.VT_API_KEYS ?? '', defaults);
  if (typeof listed === 'string') throw new ConfigError(`Invalid configuration:\n  VT_API_KEYS: ${listed}`);
  const keys = [...(e.VT_API_KEY ? [{ secret: e.VT_API_KEY, ...defaults }] : []), ...listed]
    // The same key twice is one quota, not two.
    .filter((k, i, all) => all.findIndex((o) => o.secret === k.secret) === i)
    .map((k) => Object.freeze(k));
  if (e.VERDICT_REPUTATION_SUSPICIOUS_BELOW > e.VERDICT_REPUTATION_NOT_SUSPICIOUS_ABOVE) {
    throw new ConfigError('Invalid configuration:\n  VERDICT_REPUTATION_SUSPICIOUS_BELOW: must not be above VERDICT_REPUTATION_NOT_SUSPICIOUS_ABOVE');
  }
  const feeds = feedSettingsOf(e, keys[0]?.secret ?? null);
  if (typeof feeds === 'string') throw new ConfigError(`Invalid configuration:\n  ${feeds}`);
  const appUrl = (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const secureCookies = appUrl.startsWith('https:');
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL ?? null,
    sessionSecret: e.SESSION_SECRET,
    vt: Object.freeze({ keys: Object.freeze(keys), apiUrl: e.VT_API_URL.replace(/\/+$/, '') }),
    cacheTtlMs: Math.round(e.CACHE_TTL_HOURS * 3_600_000),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailAttachmentMaxBytes: Math.floor(e.MAIL_ATTACHMENT_MAX_MB * 1024 * 1024),
    appUrl,
    secureCookies,
    // Behind https the app is assumed to sit behind one TLS-terminating proxy, as before this setting existed.
    trustProxy: (e.TRUST_PROXY === undefined ? null : parseTrustProxy(e.TRUST_PROXY)) ?? (secureCookies ? 1 : false),
    sessionIdleMs: Math.round(e.SESSION_IDLE_MINUTES * 60_000),
    sessionMaxMs: Math.round(e.SESSION_MAX_HOURS * 3_600_000),
    maxUploadBytes: Math.floor(e.MAX_UPLOAD_MB * 1024 * 1024),
    maxReportRows: e.MAX_REPORT_ROWS,
    uploadsPerMinute: e.UPLOADS_PER_MINUTE,
    secretKey: e.SECRET_KEY,
    secretKeyFile: e.SECRET_KEY_FILE ?? join(dirname(e.DATABASE_PATH), 'secret.key'),
    adminEmails: Object.freeze((e.ADMIN_EMAILS ?? '').split(',').map((a) => a.trim().toLowerCase()).filter(Boolean)),
    verdict: Object.freeze({
      suspiciousBelow: e.VERDICT_REPUTATION_SUSPICIOUS_BELOW,
      notSuspiciousAbove: e.VERDICT_REPUTATION_NOT_SUSPICIOUS_ABOVE,
      maliciousEngines: e.VERDICT_MALICIOUS_ENGINES,
      suspiciousShare: e.VERDICT_SUSPICIOUS_PERCENT / 100,
    }),
    apiRequestsPerMinute: e.API_REQUESTS_PER_MINUTE,
    forcedRefreshesPerDay: e.FORCED_REFRESHES_PER_DAY,
    pdfMaxRows: e.PDF_MAX_ROWS,
    downloadsPerUser: e.DOWNLOADS_PER_USER,
    feeds,
    connectorsFile: e.CONNECTORS_FILE,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    watch: watchConfigOf(e),
  });
}

/** What openDatabase opens: DATABASE_URL when set, else the SQLite file. */
export const databaseLocation = (config: Pick<Config, 'databaseUrl' | 'databasePath'>): string => config.databaseUrl ?? config.databasePath;
