export interface KeyLimits {
  perMinute: number;
  perDay: number;
  /** Omitted means no monthly cap. */
  perMonth?: number;
}

/** The public (free) API allowance: 4/min, 500/day, 15.5 K/month. */
export const PUBLIC_API_LIMITS: KeyLimits = { perMinute: 4, perDay: 500, perMonth: 15_500 };

interface KeyUsage {
  /** Arrival times of counted calls inside the sliding minute window. */
  recent: number[];
  hour: string;
  hourCount: number;
  day: string;
  dayCount: number;
  month: string;
  monthCount: number;
}

/**
 * Per-key request counting the way VirusTotal describes it: a per-minute rate plus daily and
 * monthly totals that reset at 00:00 UTC. The minute is a parameter so tests need not wait 60 s.
 */
export class QuotaBook {
  readonly #usage = new Map<string, KeyUsage>();
  readonly limits: Record<string, KeyLimits>;
  readonly minuteMs: number;
  readonly now: () => number;

  constructor(limits: Record<string, KeyLimits>, minuteMs: number, now: () => number) {
    // A copy: keys added or revoked later must not change the caller's object.
    this.limits = { ...limits };
    this.minuteMs = minuteMs;
    this.now = now;
  }

  isKnown(key: string): boolean {
    return Object.hasOwn(this.limits, key);
  }

  /** A key VirusTotal starts accepting (an analyst's own, made in a test). */
  add(key: string, limits: KeyLimits): void {
    this.limits[key] = limits;
  }

  /** A key VirusTotal stops accepting (revoked or regenerated on its site): 401 from now on. */
  remove(key: string): void {
    delete this.limits[key];
  }

  /** Counts the call and returns true, or returns false without counting: a 429 costs nothing. */
  tryConsume(key: string): boolean {
    const limits = this.limits[key];
    if (!limits) return false;
    const at = this.now();
    const iso = new Date(at).toISOString();
    const hour = iso.slice(0, 13);
    const day = iso.slice(0, 10);
    const month = iso.slice(0, 7);
    const usage = this.#usage.get(key) ?? { recent: [], hour, hourCount: 0, day, dayCount: 0, month, monthCount: 0 };
    this.#usage.set(key, usage);

    // Closed window: a call exactly one minute after another still shares its minute, which is the
    // stricter reading, so a client that passes here will not trip the real service.
    usage.recent = usage.recent.filter((t) => t >= at - this.minuteMs);
    if (usage.hour !== hour) {
      usage.hour = hour;
      usage.hourCount = 0;
    }
    if (usage.day !== day) {
      usage.day = day;
      usage.dayCount = 0;
    }
    if (usage.month !== month) {
      usage.month = month;
      usage.monthCount = 0;
    }

    if (usage.recent.length >= limits.perMinute) return false;
    if (usage.dayCount >= limits.perDay) return false;
    if (limits.perMonth !== undefined && usage.monthCount >= limits.perMonth) return false;

    usage.recent.push(at);
    usage.hourCount += 1;
    usage.dayCount += 1;
    usage.monthCount += 1;
    return true;
  }

  /** What a key has used so far, for tests and the demo's status line. */
  usage(key: string): { minute: number; hour: number; day: number; month: number } {
    const usage = this.#usage.get(key);
    if (!usage) return { minute: 0, hour: 0, day: 0, month: 0 };
    const at = this.now();
    const iso = new Date(at).toISOString();
    return {
      minute: usage.recent.filter((t) => t >= at - this.minuteMs).length,
      hour: usage.hour === iso.slice(0, 13) ? usage.hourCount : 0,
      day: usage.day === iso.slice(0, 10) ? usage.dayCount : 0,
      month: usage.month === iso.slice(0, 7) ? usage.monthCount : 0,
    };
  }

  reset(): void {
    this.#usage.clear();
  }
}
