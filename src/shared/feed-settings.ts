import { spawnSync } from 'node:child_process';
import { z } from 'zod';

// The VT_FEED* settings as config.ts gives them (kept apart so config.ts stays one screenful per concern).

export interface FeedSettings {
  types: readonly FeedName[];
  /** VT_FEED_API_KEY, else the first shared key; null: no key, the feeds wait. Never logged. */
  apiKey: string | null;
  backfillMinutes: number;
  retentionMs: number;
  /** VT_FEED_BZIP2: the program that decompresses batches (`bzip2 -dc`), a name looked up on PATH or a path. */
  bzip2: string;
}

export const FEED_NAMES = ['files', 'urls', 'domains', 'ip_addresses'] as const;
export type FeedName = (typeof FEED_NAMES)[number];

/** VT_FEEDS read into feed names (each once, in the order given), or null when a name is not a feed. */
export function parseFeedList(text: string): FeedName[] | null {
  const names = text.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
  if (!names.every((n): n is FeedName => (FEED_NAMES as readonly string[]).includes(n))) return null;
  return [...new Set(names)];
}

/** The feed settings in config.ts's schema. */
export const FEED_SETTINGS = {
  /** VirusTotal feeds to ingest (premium, each licensed apart): comma-separated files, urls, domains, ip_addresses. Unset: none. */
  VT_FEEDS: z
    .string()
    .trim()
    .refine((v) => parseFeedList(v) !== null, `must be a comma-separated list of ${FEED_NAMES.join(', ')}`)
    .optional(),
  /** The key the feeds are fetched with (it needs the feed licences); default: the first shared key. Never logged. */
  VT_FEED_API_KEY: z.string().trim().min(1).optional().catch(undefined),
  /** Where a feed starts on its first run, in minutes before now (VirusTotal keeps 7 days; the newest is 60 minutes old). */
  VT_FEED_BACKFILL_MINUTES: z.coerce.number().int().min(60).max(7 * 24 * 60).default(70),
  /**
   * How long objects a feed brought are kept (URL objects, and cache entries no lookup refreshed); the
   * cache's own CACHE_TTL_HOURS still evicts entries sooner when it is shorter. A file feed brings
   * millions of objects a day: this bounds the database.
   */
  VT_FEED_RETENTION_HOURS: z.coerce.number().positive().default(24),
  /** The bzip2 program batches are decompressed by, in a child process (a name on PATH, or a path). Checked at start when VT_FEEDS is set. */
  VT_FEED_BZIP2: z.string().trim().min(1).default('bzip2'),
};

type FeedEnv = z.infer<z.ZodObject<typeof FEED_SETTINGS>>;

/**
 * The parsed VT_FEED* values as Config.feeds (`firstSharedKey` is the default feed key), or what is
 * wrong with them, as a line of config.ts's error message.
 */
export function feedSettingsOf(e: FeedEnv, firstSharedKey: string | null): FeedSettings | string {
  const types = parseFeedList(e.VT_FEEDS ?? '') ?? [];
  // Found out at start, not at the first batch an hour later: without the program no feed can be read.
  const problem = types.length > 0 ? bzip2Problem(e.VT_FEED_BZIP2) : null;
  if (problem) return `VT_FEED_BZIP2: ${problem}`;
  return Object.freeze({
    types: Object.freeze(types),
    apiKey: e.VT_FEED_API_KEY ?? firstSharedKey,
    backfillMinutes: e.VT_FEED_BACKFILL_MINUTES,
    retentionMs: Math.round(e.VT_FEED_RETENTION_HOURS * 3_600_000),
    bzip2: e.VT_FEED_BZIP2,
  });
}

/** Null when `program --help` runs and succeeds, as the feeds will run it (no shell, PATH lookup); else why not. */
function bzip2Problem(program: string): string | null {
  const run = spawnSync(program, ['--help'], { stdio: 'ignore', timeout: 10_000 });
  const install = 'VT_FEEDS needs the bzip2 program to decompress batches: install it (Debian/Ubuntu: apt-get install bzip2) or set VT_FEED_BZIP2 to its path';
  if (run.error) return `cannot run "${program}" (${(run.error as NodeJS.ErrnoException).code ?? run.error.message}). ${install}`;
  if (run.status !== 0) return `"${program} --help" failed (${run.signal ?? `exit ${run.status}`}): is it bzip2? ${install}`;
  return null;
}
