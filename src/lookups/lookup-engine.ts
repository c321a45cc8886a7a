import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { SecretBox } from '../shared/secret-box.js';
import { findActiveApiKey, listActiveApiKeys } from '../settings/user-api-key.repository.js';
import type { UserApiKeyRow } from '../settings/user-api-key.table.js';
import { keyFingerprint, keyHint } from './api-key.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Shares } from './fair-share.js';
import type { KeyRing, PersonalKey } from './key-ring.js';
import type { KeyStatus } from './key-slot.js';
import type { LookupRunner } from './lookup-pool.js';
import type { LookupScheduler } from './lookup-scheduler.js';
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
  /** Something was queued or changed: look for work now. */
  wake(): void;
  /**
   * Rows were queued (an upload, a refresh, an API lookup) and their transaction committed. A report the
   * cache answered completely is done: its email may be due. Otherwise there is work to look for.
   */
  queued(completed: boolean): void;
  /** A user's personal key was saved or removed (or the account disabled): reload it. */
  personalKeyChanged(userId: number): Promise<void>;
}

export interface LookupEngineParts {
  db: Db;
  runner: LookupRunner;
  keys: KeyRing;
  breaker: CircuitBreaker;
  scheduler: LookupScheduler;
  secretBox: SecretBox;
  logger: Logger;
  /** Reports completed: the completion-email sender has work. */
  onReportsCompleted: () => void;
}

/** Users' own keys, opened with the secret box; a key that no longer opens is left out and logged. */
async function loadPersonalKey(parts: LookupEngineParts, userId: number): Promise<void> {
  const row = await findActiveApiKey(parts.db, userId);
  parts.keys.setPersonal(userId, row ? openPersonalKey(parts, row) : null);
}

function openPersonalKey(parts: LookupEngineParts, row: UserApiKeyRow): PersonalKey | null {
  try {
    const secret = parts.secretBox.open(row.key_encrypted);
    return {
      id: keyFingerprint(secret),
      secret,
      hint: keyHint(secret),
      perMinute: row.per_minute,
      perDay: row.per_day,
      perMonth: row.per_month,
      ownerId: row.user_id,
      useShared: row.use_shared === 1,
    };
  } catch {
    parts.logger.error({ userId: row.user_id }, "a user's API key does not open with this SECRET_KEY; it is not used");
    return null;
  }
}

/** Loads every personal key, then answers for the engine's parts as one LookupEngine. */
export async function assembleLookupEngine(parts: LookupEngineParts): Promise<LookupEngine> {
  for (const row of await listActiveApiKeys(parts.db)) parts.keys.setPersonal(row.user_id, openPersonalKey(parts, row));
  const { keys, breaker, scheduler } = parts;
  return {
    pause: () => breaker.pause() ?? keys.blockForAll(),
    bannerFor: (userId) => breaker.pause() ?? keys.blockFor(userId),
    quotaFor: (userId) => keys.quotaFor(userId),
    servesOnlyOwnKey: (userId) => keys.servesOnlyOwnKey(userId),
    shares: () => scheduler.shares(),
    keys: () => keys.statuses(),
    inFlight: () => scheduler.inFlightCount(),
    recentFailures: () => scheduler.recentFailures(),
    poolAlive: () => parts.runner.alive(),
    wake: () => scheduler.wake(),
    queued: (completed) => (completed ? parts.onReportsCompleted() : scheduler.wake()),
    async personalKeyChanged(userId) {
      await loadPersonalKey(parts, userId);
      scheduler.wake();
    },
  };
}
