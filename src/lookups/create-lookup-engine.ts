import type { Config } from '../shared/config.js';
import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { SecretBox } from '../shared/secret-box.js';
import { keyFingerprint, keyHint } from './api-key.js';
import { evictExpiredCache } from './cache-eviction.js';
import { createCallLog } from './call-log.repository.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { DispatcherMemory } from './dispatcher-memory.js';
import { FairShare } from './fair-share.js';
import { countLeasedJobs, deleteOrphanJobs } from './job.repository.js';
import { KeyRing } from './key-ring.js';
import { testKey } from './key-test.js';
import type { LookupEngine } from './lookup-engine.js';
import { createLookupPool } from './lookup-pool.js';
import { LookupScheduler } from './lookup-scheduler.js';
import { loadPersonalKeys, reloadPersonalKey } from './personal-keys.js';
import type { WakeTopic } from '../shared/leadership.js';

/** The engine's knobs that are not user settings: tests and benchmarks turn them to run fast. */
export interface LookupTuning {
  /** Length of the limiter's sliding "minute". */
  rateWindowMs?: number;
  lookupTimeoutMs?: number;
  maxInFlight?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  authRetryMs?: number;
  /** Transient failures in a row that pause everything as "VirusTotal looks down". */
  breakerThreshold?: number;
  /** First wait before probing VirusTotal again; doubles per failed probe up to 10 minutes. */
  breakerProbeMs?: number;
  leaseCheckMs?: number;
  /** How often the dispatcher looks for work nobody woke it for (default 5 s). */
  pollMs?: number;
  poolThreads?: number;
  /** How long `stop` waits for lookups in flight before returning them to the queue. */
  shutdownGraceMs?: number;
  /** On a follower: how often the call log is read again for the dashboard (it groups 40 days of calls). */
  followerCallLogMs?: number;
}

export interface LookupEngineDeps {
  config: Readonly<Pick<Config, 'vt' | 'cacheTtlMs' | 'verdict'>>;
  db: Db;
  logger: Logger;
  /** Opens users' own keys, saved encrypted. */
  secretBox: SecretBox;
  tuning: LookupTuning;
  /** Rows of these reports changed (inside no transaction): finished reports can be completed. */
  onReportsTouched: (reportIds: string[]) => Promise<void>;
  /** Reports completed: the completion-email sender has work. */
  onReportsCompleted: () => void;
  /** While another instance dispatches, queued work is announced to it here. */
  wakeLeader: (topic: WakeTopic) => void;
}

/** The lookup engine as its owner holds it: what the web side asks, plus its life cycle. */
export interface OwnedLookupEngine extends LookupEngine {
  readonly scheduler: LookupScheduler;
  /**
   * This instance becomes the dispatcher: re-reads the call log (every call is on disk before it is
   * sent, so the quota holds across a failover), restores pauses, breaker and turns, returns every
   * leased lookup to the queue and starts looking for work.
   */
  start(): Promise<void>;
  /** Stops dispatching (lookups in flight get the grace, the rest of its leases go back); the pool stays. */
  stepDown(): Promise<void>;
  /** A follower re-reads the dispatcher's saved state and the call log, for banners and the dashboard. */
  refresh(): Promise<void>;
  /** Steps down and closes the pool. */
  stop(): Promise<void>;
  /** Expired cache entries, call records no limit needs any more, jobs whose rows are gone. */
  housekeeping(): Promise<{ evicted: number; pruned: number; orphans: number }>;
}

/** Call records older than this are of no use to any limit (the longest is a month). */
const CALL_LOG_KEEP_MS = 40 * 24 * 3_600_000;

/**
 * Builds the engine: the worker pool, the call log, the key ring (shared keys from the config,
 * users' own from the database), the circuit breaker and the scheduler. Nothing runs until `start`.
 */
export async function createLookupEngine(deps: LookupEngineDeps): Promise<OwnedLookupEngine> {
  const { config, db, logger, secretBox, tuning } = deps;
  const runner = createLookupPool({ threads: tuning.poolThreads ?? 2 });
  const callLog = await createCallLog(db, tuning.rateWindowMs ?? 60_000);
  const sharedKeys = config.vt.keys.map((k) => ({ ...k, id: keyFingerprint(k.secret), hint: keyHint(k.secret), ownerId: null }));
  const keys = new KeyRing(callLog, sharedKeys, tuning.authRetryMs ?? 10 * 60_000, tuning.rateWindowMs ?? 60_000);
  const breaker = new CircuitBreaker({ threshold: tuning.breakerThreshold ?? 5, probeMs: tuning.breakerProbeMs ?? 30_000, maxProbeMs: 10 * 60_000 });
  const fair = new FairShare();
  const memory = new DispatcherMemory(db, logger.child({ feature: 'lookups' }));
  memory.watch(keys, breaker, fair);
  const scheduler = new LookupScheduler(
    { db, runner, keys, breaker, fair, logger: logger.child({ feature: 'lookups' }), onReportsTouched: deps.onReportsTouched },
    {
      apiUrl: config.vt.apiUrl,
      cacheTtlMs: config.cacheTtlMs,
      timeoutMs: tuning.lookupTimeoutMs ?? 30_000,
      maxInFlight: tuning.maxInFlight ?? 8,
      maxAttempts: tuning.maxAttempts ?? 4,
      retryBaseMs: tuning.retryBaseMs ?? 5_000,
      thresholds: config.verdict,
      ...(tuning.leaseCheckMs !== undefined ? { leaseCheckMs: tuning.leaseCheckMs } : {}),
      ...(tuning.pollMs !== undefined ? { pollMs: tuning.pollMs } : {}),
    },
  );
  const personal = { db, keys, secretBox, logger };
  const tester = { keys, apiUrl: config.vt.apiUrl, timeoutMs: tuning.lookupTimeoutMs ?? 30_000 };
  await loadPersonalKeys(personal);
  await memory.restore(keys, breaker, fair);
  let leading = false;
  /** On a follower: the dispatcher's leases, as last read. */
  let leasedElsewhere = 0;
  let callLogReadAt = 0;
  const wakeLookups = () => (leading ? scheduler.wake() : deps.wakeLeader('lookups'));
  const stepDown = async () => {
    leading = false;
    await scheduler.stop(tuning.shutdownGraceMs ?? 10_000);
    // Restamps of the last answers; every call sent was already on disk before it went.
    await keys.callsSaved().catch((err: unknown) => logger.error({ err }, 'could not save the last VirusTotal call times'));
    await memory.flush(fair);
    memory.setActive(false);
  };

  return {
    scheduler,
    pause: () => breaker.pause() ?? keys.blockForAll(),
    bannerFor: (userId) => breaker.pause() ?? keys.blockFor(userId),
    blockedFor: (userId) => breaker.pause() ?? keys.stoppedFor(userId),
    quotaFor: (userId) => keys.quotaFor(userId),
    servesOnlyOwnKey: (userId) => keys.servesOnlyOwnKey(userId),
    shares: () => scheduler.shares(),
    keys: () => keys.statuses(),
    inFlight: () => (leading ? scheduler.inFlightCount() : leasedElsewhere),
    recentFailures: () => scheduler.recentFailures(),
    poolAlive: () => runner.alive(),
    sendsLookups: () => leading,
    wake: wakeLookups,
    queued: (completed) => (completed ? deps.onReportsCompleted() : wakeLookups()),
    testKey: (key) => testKey(tester, { ...key, id: keyFingerprint(key.secret), hint: keyHint(key.secret) }),
    async testSharedKey(id) {
      const key = keys.sharedKey(id);
      return key ? testKey(tester, key) : null;
    },
    async personalKeyChanged(userId) {
      await reloadPersonalKey(personal, userId);
      if (leading) scheduler.wake();
      else deps.wakeLeader(`key:${userId}`);
    },
    async start() {
      await callLog.reload();
      await memory.restore(keys, breaker, fair);
      memory.setActive(true);
      leading = true;
      await scheduler.start();
    },
    stepDown,
    async refresh() {
      if (leading) return;
      // Pauses and leases are a few rows; the call log's day counts scan the table, so less often.
      if (Date.now() - callLogReadAt >= (tuning.followerCallLogMs ?? 30_000)) {
        await callLog.reload();
        callLogReadAt = Date.now();
      }
      await memory.restore(keys, breaker, fair);
      leasedElsewhere = await countLeasedJobs(db);
    },
    async stop() {
      await stepDown();
      await runner.close();
    },
    async housekeeping() {
      const evicted = await evictExpiredCache(db, config.cacheTtlMs);
      const pruned = await callLog.pruneBefore(Date.now() - CALL_LOG_KEEP_MS);
      const orphans = await deleteOrphanJobs(db);
      return { evicted, pruned, orphans };
    },
  };
}
