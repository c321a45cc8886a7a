import { z } from 'zod';

// The watched reports' settings, parsed with every other setting by shared/config.ts (which keeps
// them in `config.watch`); here so that file stays the size it is.

export const WATCH_SETTINGS = {
  /** How often a watched report's rows are looked up again, in hours (a re-check). */
  WATCH_RECHECK_HOURS: z.coerce.number().positive().max(24 * 365).default(24),
  /** VirusTotal lookups one user's re-checks may spend per UTC day, all watched reports together; cache answers are free. */
  WATCH_LOOKUPS_PER_DAY: z.coerce.number().int().min(0).default(100),
  /** A file's detections rising by at least this many engines is a change worth an email. */
  WATCH_DETECTIONS_UP: z.coerce.number().int().positive().default(5),
};

export interface WatchConfig {
  recheckMs: number;
  lookupsPerDay: number;
  detectionsUp: number;
}

/** The part of Config these settings make (`config.watch`). */
export interface WithWatchConfig {
  watch: Readonly<WatchConfig>;
}

export function watchConfigOf(e: { WATCH_RECHECK_HOURS: number; WATCH_LOOKUPS_PER_DAY: number; WATCH_DETECTIONS_UP: number }): Readonly<WatchConfig> {
  return Object.freeze({ recheckMs: Math.round(e.WATCH_RECHECK_HOURS * 3_600_000), lookupsPerDay: e.WATCH_LOOKUPS_PER_DAY, detectionsUp: e.WATCH_DETECTIONS_UP });
}
