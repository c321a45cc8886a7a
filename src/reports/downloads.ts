import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { Db } from '../shared/database.js';
import { countDownloadSlots, releaseDownloadSlot, renewDownloadSlot, takeDownloadSlot } from './download-slot.repository.js';
import { TooManyRequestsError } from '../shared/errors.js';

// Heavy downloads (the exports and the hash list): a few at a time per user, and none outliving its client.

export type DownloadKind = 'pdf' | 'csv' | 'json' | 'stix' | 'hashes';

/** How one download ended: how many rows it read, and whether its client stayed to the end. */
export interface DownloadRecord {
  userId: number;
  kind: DownloadKind;
  rows: number;
  outcome: 'finished' | 'client_left' | 'failed';
}

/** What a download's work is given: stop once `signal` aborts; `count` wraps the rows it reads (`countBatches`, a batch at a time). */
export interface DownloadRun {
  signal: AbortSignal;
  count<T>(items: AsyncIterable<T>): AsyncIterable<T>;
  countBatches<T>(batches: AsyncIterable<readonly T[]>): AsyncIterable<readonly T[]>;
}

/** A download has no known end; the 429 suggests a short wait. */
export const DOWNLOAD_RETRY_AFTER_SECONDS = 30;
const KEPT_RECORDS = 50;

export interface DownloadSlotTiming {
  /** How long a slot outlives its last renewal: the longest a dead instance's downloads hold their places. */
  slotTtlMs?: number;
  /** How often a running download renews its slot. */
  renewEveryMs?: number;
}

/**
 * Counts each user's downloads in flight across every instance on the database: a slot row per
 * download, renewed while it runs. A download over `perUser` is refused with 429; a place frees when
 * the download's work ends (as soon as its client leaves, since the work stops then), or, when its
 * instance died, when the slot expires.
 */
export class Downloads {
  /** This instance's downloads in flight, for whenIdle. */
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly slotTtlMs: number;
  private readonly renewEveryMs: number;
  /** The last downloads to end here, newest last. */
  readonly recent: DownloadRecord[] = [];

  constructor(
    private readonly db: Db,
    readonly perUser: number,
    timing: DownloadSlotTiming = {},
  ) {
    this.slotTtlMs = timing.slotTtlMs ?? 60_000;
    this.renewEveryMs = timing.renewEveryMs ?? Math.max(1, Math.floor(this.slotTtlMs / 3));
  }

  /** The user's downloads in flight on every instance. */
  inFlight(userId: number): Promise<number> {
    return countDownloadSlots(this.db, userId, Date.now());
  }

  /** Runs `work` in one of the user's places, or throws TooManyRequestsError when they are all taken. */
  async run(res: Response, userId: number, kind: DownloadKind, work: (run: DownloadRun) => Promise<void>): Promise<DownloadRecord> {
    const id = randomUUID();
    const taken = await takeDownloadSlot(this.db, { id, userId, expiresAt: Date.now() + this.slotTtlMs }, this.perUser, Date.now());
    if (!taken.ok) {
      throw new TooManyRequestsError(
        `You already have ${taken.held} downloads in progress. Wait for one to finish (or cancel it), then try again.`,
        DOWNLOAD_RETRY_AFTER_SECONDS,
      );
    }
    this.active++;
    const renew = setInterval(() => void renewDownloadSlot(this.db, id, Date.now() + this.slotTtlMs).catch(() => undefined), this.renewEveryMs);
    renew.unref();
    const left = clientLeft(res);
    const record: DownloadRecord = { userId, kind, rows: 0, outcome: 'failed' };
    try {
      await work({
        signal: left.signal,
        count: (items) => counted(items, () => record.rows++),
        countBatches: (batches) => counted(batches, (batch) => (record.rows += batch.length)),
      });
      record.outcome = 'finished';
    } finally {
      clearInterval(renew);
      if (left.signal.aborted) record.outcome = 'client_left';
      left.dispose();
      this.keep(record);
      // A slot that cannot be deleted now still expires by itself.
      await releaseDownloadSlot(this.db, id).catch(() => undefined);
      this.release();
    }
    return record;
  }

  /** Settles once no download is in flight on this instance. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private release(): void {
    this.active--;
    if (this.active > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private keep(record: DownloadRecord): void {
    this.recent.push(record);
    if (this.recent.length > KEPT_RECORDS) this.recent.shift();
  }
}

/** Aborts when the response closes before it was all sent: the client left. */
function clientLeft(res: Response): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error('client left'));
  };
  res.once('close', onClose);
  if (res.destroyed) onClose();
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}

async function* counted<T>(items: AsyncIterable<T>, onItem: (item: T) => void): AsyncGenerator<T> {
  for await (const item of items) {
    onItem(item);
    yield item;
  }
}
