import type { Shares } from './fair-share.js';
import type { KeyStatus } from './key-slot.js';
import type { KeyTestResult } from './key-test.js';
import type { Pause } from './pause.js';
import type { QuotaSnapshot } from './rate-limiter.js';
import type { LookupFailure } from './recent-failures.js';

/**
 * What the web side may ask of the lookup engine. Routes and views depend on this, never on the
 * scheduler, so the engine can change without touching them.
 */
export interface LookupEngine {
  /** A pause that stops every lookup (VirusTotal down, no key at all), or null while running. */
  pause(): Pause | null;
  /** The banner for a signed-in user: the global pause, or why none of the keys that serve them can send. */
  bannerFor(userId: number): Pause | null;
  /**
   * What stops this user's lookups, if anything (the global pause, or every key that serves them
   * blocked). A refused own key beside working shared keys is in the banner but stops nothing.
   */
  blockedFor(userId: number): Pause | null;
  /** The combined quota of the keys that serve this user, for estimates. */
  quotaFor(userId: number): QuotaSnapshot;
  /** Calls served per user and per report so far: where each stands in the turns. */
  shares(): Shares;
  /** Only the user's own key serves them, so nobody else's work is ahead of theirs. */
  servesOnlyOwnKey(userId: number): boolean;
  keys(): KeyStatus[];
  inFlight(): number;
  recentFailures(): LookupFailure[];
  /** The worker pool can take work. */
  poolAlive(): boolean;
  /** This instance is the one sending lookups (always on SQLite; the elected one on PostgreSQL). */
  sendsLookups(): boolean;
  /** Something was queued or changed: look for work now. */
  wake(): void;
  /**
   * Rows were queued (an upload, a refresh, an API lookup) and their transaction committed. A report the
   * cache answered completely is done: its email may be due. Otherwise there is work to look for.
   */
  queued(completed: boolean): void;
  /** One call to VirusTotal's `GET /users/{key}`, counted against the key's quota: does it work, and what does it allow? */
  testKey(key: KeyToTest): Promise<KeyTestResult>;
  /** The same for a shared key, by its id (fingerprint); null when no shared key has it. */
  testSharedKey(id: string): Promise<KeyTestResult | null>;
  /** A user's personal key was saved or removed (or the account disabled): reload it. */
  personalKeyChanged(userId: number): Promise<void>;
}

/** A key to test before it is saved: its secret, the limits it would be saved with, and whose it would be. */
export interface KeyToTest {
  secret: string;
  perMinute: number;
  perDay: number;
  perMonth: number | null;
  ownerId: number | null;
}
