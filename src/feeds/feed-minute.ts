// A feed batch is named by its UTC minute, YYYYMMDDhhmm (virustotal-api.md §8).

export const MINUTE_MS = 60_000;
/** VirusTotal publishes a minute's batch this long after the minute. */
export const FEED_LAG_MS = 60 * MINUTE_MS;

/** The minute `ms` falls in, as the feed's path names it. */
export function minuteName(ms: number): string {
  return new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS).toISOString().replace(/[-T:]/g, '').slice(0, 12);
}

/** The start of a named minute (ms since the epoch); NaN for a malformed name. */
export function minuteStart(name: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(name);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
}

export function nextMinute(name: string): string {
  return minuteName(minuteStart(name) + MINUTE_MS);
}

/** The first minute VirusTotal may serve at `now`: anything later is "not available yet". */
export function isPublished(name: string, now: number): boolean {
  return minuteStart(name) + FEED_LAG_MS <= now;
}
