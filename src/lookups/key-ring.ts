import type { ApiKey } from './api-key.js';
import type { CallLog } from './call-log.repository.js';
import { KeySlot, type BurstRule, type KeySlotState, type KeyStatus } from './key-slot.js';
import type { Pause } from './pause.js';
import { combinedQuota } from './combined-quota.js';
import { idleBurst, nextUtcMidnight, type QuotaSnapshot } from './rate-limiter.js';
import { plainVtError } from './vt-errors.js';

/** After this many 429s in a row while our own counts say there is room, assume the day is used up elsewhere. */
const QUOTA_STRIKES_FOR_DAY = 3;

export interface PersonalKey extends ApiKey {
  ownerId: number;
  /** The shared keys may serve the owner too. */
  useShared: boolean;
}

export type KeyGrant = { ok: true; key: ApiKey; callId: number } | { ok: false; retryAt: number | null };

/** A slot for one test call of a key, or why none is free now (the minute, day or month spent). */
export type TestGrant = { ok: true; key: ApiKey; callId: number } | { ok: false; retryAt: number; limit: 'minute' | 'day' | 'month' };

/**
 * Every VirusTotal key the app may use: the shared ones from the environment and users' own. Each
 * has its own limiter (counted in the database by the key's fingerprint) and its own pause, so one
 * key refused or out of quota never stops the others.
 */
export class KeyRing {
  private readonly shared: KeySlot[];
  private readonly personal = new Map<number, { slot: KeySlot; useShared: boolean }>();
  private onChange: (slot: KeySlot) => void = () => undefined;
  /** Saved states by key id, for personal keys loaded after restore(). */
  private restored = new Map<string, KeySlotState>();

  constructor(
    private readonly log: CallLog,
    sharedKeys: ApiKey[],
    private readonly authRetryMs: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    /** Only tests of key choice (not of pacing) change it. */
    private readonly burst: BurstRule = idleBurst,
  ) {
    this.shared = sharedKeys.map((k) => new KeySlot(k, log, windowMs, now, burst));
  }

  /** `onChange` hears of every key whose pause, strikes or probing changed. */
  observe(onChange: (slot: KeySlot) => void): void {
    this.onChange = onChange;
    for (const slot of this.allSlots()) slot.changed = onChange;
  }

  /** Each key's saved state, by key id: a new dispatcher takes over the pauses its predecessor knew. */
  restore(states: ReadonlyMap<string, KeySlotState>): void {
    this.restored = new Map(states);
    for (const slot of this.allSlots()) {
      const state = states.get(slot.key.id);
      if (state) slot.importState(state);
    }
  }

  setPersonal(userId: number, key: PersonalKey | null): void {
    if (!key) {
      this.personal.delete(userId);
      return;
    }
    const existing = this.personal.get(userId);
    // The same key keeps its pause and probe state; a new key starts fresh.
    const sameKey = existing?.slot.key.id === key.id && existing.slot.key.secret === key.secret
      && existing.slot.key.perMinute === key.perMinute && existing.slot.key.perDay === key.perDay && existing.slot.key.perMonth === key.perMonth;
    const slot = sameKey && existing ? existing.slot : this.newSlot(key);
    this.personal.set(userId, { slot, useShared: key.useShared });
  }

  private newSlot(key: ApiKey): KeySlot {
    const slot = new KeySlot(key, this.log, this.windowMs, this.now, this.burst);
    slot.changed = this.onChange;
    const state = this.restored.get(key.id);
    if (state) slot.importState(state);
    return slot;
  }

  /** The keys that may serve a user, in the order they are tried: their own first. */
  private slotsFor(userId: number): KeySlot[] {
    const own = this.personal.get(userId);
    if (!own) return this.shared;
    return own.useShared ? [own.slot, ...this.shared] : [own.slot];
  }

  /**
   * Takes a slot for one call on behalf of `userId`: their own key when it has room, else the shared
   * key with the most free capacity. Says when to try again when none has room (null: no key can
   * ever serve this user until something changes, such as a key being added).
   */
  acquireFor(userId: number): KeyGrant {
    const pick = this.pick(userId);
    if (!pick.ok) return pick;
    const acquired = pick.slot.limiter.acquireCall();
    if (!acquired.ok) return { ok: false, retryAt: acquired.retryAt };
    pick.slot.inFlight++;
    return { ok: true, key: pick.slot.key, callId: acquired.callId };
  }

  /** Whether acquireFor would succeed now, without taking anything. */
  canServe(userId: number): { ok: true } | { ok: false; retryAt: number | null } {
    const pick = this.pick(userId);
    return pick.ok ? { ok: true } : pick;
  }

  private pick(userId: number): { ok: true; slot: KeySlot } | { ok: false; retryAt: number | null } {
    const now = this.now();
    const own = this.personal.get(userId)?.slot;
    let retryAt: number | null = null;
    let best: { slot: KeySlot; free: number } | null = null;
    for (const slot of this.slotsFor(userId)) {
      const pause = slot.currentPause(now);
      if (pause) {
        if (pause.until != null) retryAt = Math.min(retryAt ?? Infinity, pause.until);
        continue;
      }
      if (slot.probing && slot.inFlight > 0) continue;
      const snap = slot.limiter.snapshot(now);
      const free = Math.min(snap.perMinute - snap.usedInWindow, snap.perDay - snap.usedToday, snap.perMonth === null ? Infinity : snap.perMonth - snap.usedThisMonth);
      if (free <= 0 || snap.nextSlotAt > now) {
        retryAt = Math.min(retryAt ?? Infinity, snap.nextSlotAt);
        continue;
      }
      if (slot === own) return { ok: true, slot };
      // Spread by free capacity: a premium key beside a public one takes most of the work.
      if (!best || free > best.free) best = { slot, free };
    }
    return best ? { ok: true, slot: best.slot } : { ok: false, retryAt };
  }

  /** Resolves once every call taken so far is recorded on disk: no call is sent that a restart would forget. */
  callsSaved(): Promise<void> {
    return this.log.saved();
  }

  /** The call came back (with any answer): count it from now and free its place. */
  answered(key: ApiKey, callId: number): void {
    const slot = this.slotOf(key);
    if (!slot) {
      // The key was replaced meanwhile: no limiter counts it any more, but the call still happened.
      this.log.restamp(callId, this.now());
      return;
    }
    slot.limiter.answered(callId);
    slot.inFlight = Math.max(0, slot.inFlight - 1);
  }

  /** VirusTotal answered with data (or a plain 4xx): the key works. */
  keyWorks(key: ApiKey): void {
    const slot = this.slotOf(key);
    if (!slot || (!slot.probing && slot.quotaStrikes === 0)) return;
    slot.probing = false;
    slot.quotaStrikes = 0;
    slot.changed(slot);
  }

  /** A test asked VirusTotal about the key and it answered as for a working key: a refusal is over. */
  keyTestPassed(key: ApiKey): void {
    this.keyWorks(key);
    const slot = this.slotOf(key);
    if (slot?.pause?.reason === 'wrong_key') slot.pause = null;
  }

  /** A 429: this key waits for a window, or for 00:00 UTC when the day looks used up. */
  quotaExceeded(key: ApiKey, sentAt: number): Pause | null {
    const slot = this.slotOf(key);
    if (!slot) return null;
    const now = this.now();
    // Calls already in flight when a 429 came back get theirs too: one burst is one strike.
    if (sentAt >= slot.lastQuotaAt) slot.quotaStrikes++;
    slot.lastQuotaAt = Math.max(slot.lastQuotaAt, now);
    const snap = slot.limiter.snapshot(now);
    const dayGone = snap.dayExhausted || slot.quotaStrikes >= QUOTA_STRIKES_FOR_DAY;
    slot.pause = {
      reason: 'quota',
      message: dayGone
        ? `VirusTotal says the daily quota of key ${key.hint} is used up; it is used again at 00:00 UTC.`
        : `VirusTotal says the per-minute quota of key ${key.hint} is used up; it is used again within a minute.`,
      until: dayGone ? Math.max(snap.nextSlotAt, nextUtcMidnight(now)) : now + this.windowMs,
    };
    slot.changed(slot);
    return slot.pause;
  }

  /** A 401/403: this key waits, then one probe at a time until it works again. */
  keyRefused(key: ApiKey, code: string): Pause | null {
    const slot = this.slotOf(key);
    if (!slot) return null;
    slot.probing = false;
    const whose = key.ownerId === null ? `the shared API key ${key.hint}` : `your API key ${key.hint}`;
    const fix = key.ownerId === null ? 'The operator should check VT_API_KEY / VT_API_KEYS.' : 'Check it in Settings.';
    slot.pause = { reason: 'wrong_key', message: `VirusTotal refused ${whose}: ${plainVtError(code)}. ${fix}`, until: this.now() + this.authRetryMs };
    slot.changed(slot);
    return slot.pause;
  }

  /**
   * A slot for one call that tests `key` (Settings, the admin page): on the key's own limiter when
   * the ring holds it, else on a limiter of its own under the same count (the call log counts by
   * the key's fingerprint), so a test never takes VirusTotal past the key's quota. Settle it with
   * `answered`, then `keyWorks` or `keyRefused`, as a lookup is settled.
   */
  acquireForTest(key: ApiKey): TestGrant {
    const slot = this.allSlots().find((s) => s.key.id === key.id) ?? new KeySlot(key, this.log, this.windowMs, this.now, this.burst);
    const acquired = slot.limiter.acquireCall();
    if (!acquired.ok) return acquired;
    if (this.slotOf(slot.key)) slot.inFlight++;
    return { ok: true, key: slot.key, callId: acquired.callId };
  }

  /**
   * Why none of the keys that serve this user can send, if none can: no key at all, every key
   * refused or paused, or every allowance spent. A refused personal key is worth saying even when
   * the shared keys carry on.
   */
  blockFor(userId: number): Pause | null {
    const now = this.now();
    const slots = this.slotsFor(userId);
    if (slots.length === 0) {
      return { reason: 'no_key', message: 'Lookups are waiting for a VirusTotal API key: add your own in Settings, or ask the operator to set VT_API_KEYS.', until: null };
    }
    const own = this.personal.get(userId)?.slot.currentPause(now);
    if (own?.reason === 'wrong_key') return own;
    return this.earliestBlock(slots, now);
  }

  /**
   * What stops this user's lookups, if anything: no key, or every key serving them refused, paused
   * or spent. Unlike blockFor, a refused own key beside working shared keys stops nothing.
   */
  stoppedFor(userId: number): Pause | null {
    const block = this.blockFor(userId);
    if (block?.reason !== 'wrong_key') return block;
    return this.earliestBlock(this.slotsFor(userId), this.now());
  }

  /** Null when any of the slots can send; else the block that lifts first. */
  private earliestBlock(slots: KeySlot[], now: number): Pause | null {
    let earliest: Pause | null = null;
    for (const slot of slots) {
      const pause = slot.currentPause(now) ?? slot.spentPause();
      if (!pause) return null;
      if (!earliest || (pause.until ?? Infinity) < (earliest.until ?? Infinity)) earliest = pause;
    }
    return earliest;
  }

  /** The keys serving a user, added up, for estimates. Refused keys add nothing. */
  quotaFor(userId: number): QuotaSnapshot {
    const now = this.now();
    const snaps = this.slotsFor(userId)
      .filter((s) => s.currentPause(now)?.reason !== 'wrong_key')
      .map((s) => s.limiter.snapshot(now));
    return combinedQuota(snaps, this.windowMs, now);
  }

  /** Why nothing at all can be looked up right now, for the health check: no key, or every key blocked. */
  blockForAll(): Pause | null {
    const all = this.allSlots();
    if (all.length === 0) return { reason: 'no_key', message: 'No VirusTotal API key is configured (VT_API_KEY / VT_API_KEYS) and no user has added one.', until: null };
    return this.earliestBlock(all, this.now());
  }

  private allSlots(): KeySlot[] {
    return [...this.shared, ...[...this.personal.values()].map((p) => p.slot)];
  }

  /** Only the user's own key serves them: other users' work does not compete for it. */
  servesOnlyOwnKey(userId: number): boolean {
    const own = this.personal.get(userId);
    return own !== undefined && !own.useShared;
  }

  /** The shared key with this id (its fingerprint), for a test from the admin page. */
  sharedKey(id: string): ApiKey | null {
    return this.shared.find((s) => s.key.id === id)?.key ?? null;
  }

  statuses(): KeyStatus[] {
    const now = this.now();
    return this.allSlots().map((slot) => slot.status(now));
  }

  private slotOf(key: ApiKey): KeySlot | undefined {
    if (key.ownerId !== null) {
      const own = this.personal.get(key.ownerId)?.slot;
      if (own?.key === key) return own;
    }
    return this.shared.find((s) => s.key === key);
  }
}
