import { sql } from 'kysely';
import type { Db } from '../shared/database.js';

/**
 * The record of every request sent to VirusTotal. Synchronous on purpose: the limiter checks and
 * records in one tick, so two lookups can never both take the last free slot.
 */
export interface CallLog {
  countSince(keyId: string, since: number): number;
  /** As countSince, for a day or a month: `since` is one millisecond before a 00:00 UTC. */
  countInPeriod(keyId: string, since: number): number;
  /** Time of the n-th oldest call (0-based) after `since`, or null. */
  nthCallSince(keyId: string, since: number, n: number): number | null;
  /** Records a call sent at `at`; returns its id. */
  record(keyId: string, at: number): number;
  /** Moves a call's time forward to `at` (never back). */
  restamp(id: number, at: number): void;
  /** Resolves once every call recorded so far is on disk: await it before the call is sent. */
  saved(): Promise<void>;
  pruneBefore(at: number): Promise<number>;
  /**
   * Reads the table again, as at open: another instance may have sent calls meanwhile (this one is
   * about to dispatch after a failover, or it follows and shows the dashboard). Its own calls are
   * saved first, so none is counted twice or lost.
   */
  reload(): Promise<void>;
}

interface Call {
  id: number;
  at: number;
}

type Change = { id: number; keyId: string; at: number; insert: boolean };

const DAY_MS = 86_400_000;

/**
 * Opens the call log: reads what it needs from the table once, here, and then answers every count
 * from memory, on SQLite and PostgreSQL alike (PostgreSQL has no synchronous read). It keeps each
 * key's calls per UTC day (the table keeps 40 days, so that is a few dozen numbers a key: days and
 * months are sums of them) and each key's calls inside the rate window. Only calls after the newest
 * one on disk minus `windowMs` can still fall in a window: the clock moves forward, and restamps only
 * move calls later. Every call made afterwards goes through this log, so a key it has never seen
 * has made no call. Writes go to the table in order, one transaction per batch; on SQLite Kysely's
 * one connection is taken between transactions, so a call is never saved inside, and rolled back
 * with, someone else's transaction.
 */
export async function createCallLog(db: Db, windowMs = 60_000): Promise<CallLog> {
  // Ids handed out here are this process's own and negative; the table's are the database's and
  // positive. Two instances (a dispatcher, and a follower testing a user's key) write calls at once:
  // ids chosen in process collided there, and every later save of the log failed.
  let nextLocalId = -1;
  /** A recorded call's id in the table, once saved, until its one restamp. */
  const savedIds = new Map<number, number>();
  const days = new Map<string, Map<number, number>>();
  const windows = new Map<string, Call[]>();
  async function load(): Promise<void> {
    const newest = await db
      .selectFrom('vt_calls')
      .select((eb) => eb.fn.max('at').as('at'))
      .executeTakeFirst();
    const dayRows = await db
      .selectFrom('vt_calls')
      // The divisor inline: better-sqlite3 binds a JS number as REAL, and REAL division gives a day per call.
      .select((eb) => ['key_id', sql<number>`at / ${sql.lit(DAY_MS)}`.as('day'), eb.fn.countAll().as('n')])
      .groupBy(['key_id', 'day'])
      .execute();
    const recent =
      newest?.at == null
        ? []
        : await db
            .selectFrom('vt_calls')
            .select(['key_id', 'id', 'at'])
            .where('at', '>', Number(newest.at) - windowMs - 1)
            .orderBy('at')
            .orderBy('id')
            .execute();
    // Replaced only once everything is read: counts asked meanwhile see the old state whole.
    days.clear();
    windows.clear();
    for (const row of dayRows) daysOf(row.key_id).set(Number(row.day), Number(row.n));
    for (const { key_id, id, at } of recent) windowOf(key_id).push({ id, at });
  }
  await load();
  /** Calls recorded here and not yet answered: a restamp moves one between days. */
  const open = new Map<number, { keyId: string; at: number }>();
  const unsaved: Change[] = [];
  let saving: Promise<void> | null = null;

  function daysOf(keyId: string): Map<number, number> {
    const map = days.get(keyId) ?? new Map<number, number>();
    days.set(keyId, map);
    return map;
  }

  function windowOf(keyId: string): Call[] {
    const calls = windows.get(keyId) ?? [];
    windows.set(keyId, calls);
    return calls;
  }

  /**
   * The key's calls after `after` (sorted by time). Calls a window before that are dropped: the
   * limiter asks about ever later windows, give or take a clock tick between two reads.
   */
  function since(keyId: string, after: number): { calls: Call[]; first: number } {
    const calls = windowOf(keyId);
    let drop = 0;
    while (drop < calls.length && (calls[drop]?.at ?? Infinity) <= after - windowMs) drop++;
    if (drop > 0) calls.splice(0, drop);
    let low = 0;
    let high = calls.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((calls[mid]?.at ?? Infinity) <= after) low = mid + 1;
      else high = mid;
    }
    return { calls, first: low };
  }

  function addToDay(keyId: string, at: number, by: number): void {
    const map = daysOf(keyId);
    const day = Math.floor(at / DAY_MS);
    map.set(day, (map.get(day) ?? 0) + by);
  }

  function save(): Promise<void> {
    if (saving) return saving;
    // Nothing to write: with no await inside, the writer below would finish before `saving` was
    // assigned, leave a settled promise there for good, and no call would ever be written again.
    if (unsaved.length === 0) return Promise.resolve();
    saving = (async () => {
      try {
        while (unsaved.length > 0) {
          const batch = unsaved.slice();
          const restamped: number[] = [];
          await db.transaction().execute(async (trx) => {
            // In order, one by one: a restamp needs the id its call's insert got (a handful per batch).
            for (const c of batch) {
              if (c.insert) {
                const row = await trx.insertInto('vt_calls').values({ key_id: c.keyId, at: c.at }).returning('id').executeTakeFirstOrThrow();
                savedIds.set(c.id, Number(row.id));
                continue;
              }
              const id = savedIds.get(c.id);
              restamped.push(c.id);
              if (id !== undefined) await trx.updateTable('vt_calls').set({ at: c.at }).where('id', '=', id).where('at', '<', c.at).execute();
            }
          });
          for (const id of restamped) savedIds.delete(id);
          unsaved.splice(0, batch.length);
        }
      } finally {
        saving = null;
      }
    })();
    return saving;
  }

  return {
    countSince(keyId, after) {
      const { calls, first } = since(keyId, after);
      return calls.length - first;
    },
    countInPeriod(keyId, after) {
      const start = after + 1;
      if (start % DAY_MS !== 0) throw new Error('countInPeriod: a period starts at 00:00 UTC');
      let n = 0;
      for (const [day, count] of days.get(keyId) ?? []) if (day >= start / DAY_MS) n += count;
      return n;
    },
    nthCallSince(keyId, after, n) {
      const { calls, first } = since(keyId, after);
      return calls[first + n]?.at ?? null;
    },
    record(keyId, at) {
      const id = nextLocalId--;
      unsaved.push({ id, keyId, at, insert: true });
      windowOf(keyId).push({ id, at });
      addToDay(keyId, at, 1);
      open.set(id, { keyId, at });
      void save().catch(() => undefined);
      return id;
    },
    restamp(id, at) {
      const call = open.get(id);
      open.delete(id);
      if (call && call.at < at) {
        addToDay(call.keyId, call.at, -1);
        addToDay(call.keyId, at, 1);
        const calls = windowOf(call.keyId);
        const inWindow = calls.find((c) => c.id === id);
        if (inWindow) {
          inWindow.at = at;
          calls.sort((a, b) => a.at - b.at || a.id - b.id);
        }
      }
      unsaved.push({ id, keyId: '', at, insert: false });
      void save().catch(() => undefined);
    },
    saved: save,
    async reload() {
      await save();
      await load();
    },
    async pruneBefore(at) {
      const result = await db.deleteFrom('vt_calls').where('at', '<', at).executeTakeFirst();
      for (const map of days.values()) for (const day of map.keys()) if ((day + 1) * DAY_MS <= at) map.delete(day);
      return Number(result.numDeletedRows);
    },
  };
}
