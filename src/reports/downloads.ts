import type { Response } from 'express';
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

/** What a download's work is given: stop once `signal` aborts; `count` wraps the rows it reads. */
export interface DownloadRun {
  signal: AbortSignal;
  count<T>(items: AsyncIterable<T>): AsyncIterable<T>;
}

/** A download has no known end; the 429 suggests a short wait. */
export const DOWNLOAD_RETRY_AFTER_SECONDS = 30;
const KEPT_RECORDS = 50;

/**
 * Counts each user's downloads in flight (in this process: one instance, one count). A download over
 * `perUser` is refused with 429; a place frees when the download's work ends, which is as soon as its
 * client leaves, since the work stops then.
 */
export class Downloads {
  private readonly active = new Map<number, number>();
  private idleWaiters: Array<() => void> = [];
  /** The last downloads to end, newest last. */
  readonly recent: DownloadRecord[] = [];

  constructor(readonly perUser: number) {}

  inFlight(userId: number): number {
    return this.active.get(userId) ?? 0;
  }

  /** Runs `work` in one of the user's places, or throws TooManyRequestsError when they are all taken. */
  async run(res: Response, userId: number, kind: DownloadKind, work: (run: DownloadRun) => Promise<void>): Promise<DownloadRecord> {
    const held = this.inFlight(userId);
    if (held >= this.perUser) {
      throw new TooManyRequestsError(
        `You already have ${held} downloads in progress. Wait for one to finish (or cancel it), then try again.`,
        DOWNLOAD_RETRY_AFTER_SECONDS,
      );
    }
    this.active.set(userId, held + 1);
    const left = clientLeft(res);
    const record: DownloadRecord = { userId, kind, rows: 0, outcome: 'failed' };
    try {
      await work({ signal: left.signal, count: (items) => counted(items, () => record.rows++) });
      record.outcome = 'finished';
    } finally {
      if (left.signal.aborted) record.outcome = 'client_left';
      left.dispose();
      this.keep(record);
      this.release(userId);
    }
    return record;
  }

  /** Settles once no download is in flight. */
  whenIdle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private release(userId: number): void {
    const held = this.inFlight(userId) - 1;
    if (held > 0) this.active.set(userId, held);
    else this.active.delete(userId);
    if (this.active.size > 0) return;
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

async function* counted<T>(items: AsyncIterable<T>, onItem: () => void): AsyncGenerator<T> {
  for await (const item of items) {
    onItem();
    yield item;
  }
}
