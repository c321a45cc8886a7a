import type { ApiKey } from './api-key.js';
import type { CallLog } from './call-log.repository.js';
import type { Pause } from './pause.js';
import { idleBurst, RateLimiter } from './rate-limiter.js';

/** Calls an idle key may send at once, by its per-minute allowance. */
export type BurstRule = (perMinute: number) => number;

/** One key as the dashboard shows it: never the key itself. */
export interface KeyStatus {
  id: string;
  hint: string;
  /** The user whose personal key this is; null for a shared key. */
  ownerId: number | null;
  perMinute: number;
  perDay: number;
  perMonth: number | null;
  usedInWindow: number;
  usedToday: number;
  usedThisMonth: number;
  /** Why this key is not sending right now, if it is not. */
  pause: Pause | null;
}

/** What a key's slot knows that must outlive the process sending its calls (see dispatcher-memory.ts). */
export interface KeySlotState {
  pause: Pause | null;
  quotaStrikes: number;
  /** Null: no 429 yet (JSON has no -Infinity). */
  lastQuotaAt: number | null;
  probing: boolean;
}

/** One key, its limiter and what VirusTotal last said about it. */
export class KeySlot {
  readonly limiter: RateLimiter;
  pause: Pause | null = null;
  quotaStrikes = 0;
  /** When the last 429 came back; 429s to calls sent before it belong to the same burst. */
  lastQuotaAt = -Infinity;
  /** After a refused key's pause ends, one call at a time until an answer shows the key works. */
  probing = false;
  inFlight = 0;
  /** Called after the pause, strikes or probing changed, so they can be saved. */
  changed: (slot: KeySlot) => void = () => undefined;

  constructor(readonly key: ApiKey, log: CallLog, windowMs: number, now: () => number, burst: BurstRule = idleBurst) {
    const limits = { perMinute: key.perMinute, perDay: key.perDay, perMonth: key.perMonth, windowMs, burst: burst(key.perMinute) };
    this.limiter = new RateLimiter(log, key.id, limits, now);
  }

  currentPause(now: number): Pause | null {
    if (this.pause?.until != null && this.pause.until <= now) {
      if (this.pause.reason === 'wrong_key') this.probing = true;
      this.pause = null;
      this.changed(this);
    }
    return this.pause;
  }

  exportState(): KeySlotState {
    const lastQuotaAt = Number.isFinite(this.lastQuotaAt) ? this.lastQuotaAt : null;
    return { pause: this.pause, quotaStrikes: this.quotaStrikes, lastQuotaAt, probing: this.probing };
  }

  importState(state: KeySlotState): void {
    this.pause = state.pause;
    this.quotaStrikes = state.quotaStrikes;
    this.lastQuotaAt = state.lastQuotaAt ?? -Infinity;
    this.probing = state.probing;
  }

  /** Our own count says the day (or month) is spent, before VirusTotal has to say so. */
  spentPause(): Pause | null {
    const snap = this.limiter.snapshot();
    if (!snap.dayExhausted) return null;
    const period = snap.monthExhausted ? 'monthly' : 'daily';
    const when = snap.monthExhausted ? 'on the 1st at 00:00 UTC' : 'at 00:00 UTC';
    return { reason: 'quota', message: `The ${period} VirusTotal quota is used up; lookups resume ${when}.`, until: snap.nextSlotAt };
  }

  /** The key as the dashboard shows it. */
  status(now: number): KeyStatus {
    const snap = this.limiter.snapshot(now);
    return {
      id: this.key.id,
      hint: this.key.hint,
      ownerId: this.key.ownerId,
      perMinute: snap.perMinute,
      perDay: snap.perDay,
      perMonth: snap.perMonth,
      usedInWindow: snap.usedInWindow,
      usedToday: snap.usedToday,
      usedThisMonth: snap.usedThisMonth,
      pause: this.currentPause(now) ?? this.spentPause(),
    };
  }
}
