import type SQLite from 'better-sqlite3';

/**
 * The record of every request sent to VirusTotal. Synchronous on purpose: the limiter checks and
 * records in one tick, so two lookups can never both take the last free slot.
 */
export interface CallLog {
  countSince(keyId: string, since: number): number;
  /**
   * As countSince, for long periods (a day, a month) asked for again and again: counted once from
   * the table, then kept up to date as calls are recorded, so a busy premium key's month is not
   * recounted for every call.
   */
  countInPeriod(keyId: string, since: number): number;
  /** Time of the n-th oldest call (0-based) after `since`, or null. */
  nthCallSince(keyId: string, since: number, n: number): number | null;
  /** Records a call sent at `at`; returns its id. */
  record(keyId: string, at: number): number;
  /** Moves a call's time forward to `at` (never back). */
  restamp(id: number, at: number): void;
  pruneBefore(at: number): number;
}

export function createCallLog(sqlite: SQLite.Database): CallLog {
  const count = sqlite.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM vt_calls WHERE key_id = ? AND at > ?');
  const nth = sqlite.prepare<[string, number, number], { at: number }>(
    'SELECT at FROM vt_calls WHERE key_id = ? AND at > ? ORDER BY at ASC LIMIT 1 OFFSET ?',
  );
  const insert = sqlite.prepare<[string, number]>('INSERT INTO vt_calls (key_id, at) VALUES (?, ?)');
  const restamp = sqlite.prepare<[number, number]>('UPDATE vt_calls SET at = max(at, ?) WHERE id = ?');
  const prune = sqlite.prepare<[number]>('DELETE FROM vt_calls WHERE at < ?');
  const periods = new Map<string, { keyId: string; since: number; n: number }>();
  return {
    countSince: (keyId, since) => count.get(keyId, since)?.n ?? 0,
    countInPeriod(keyId, since) {
      const id = `${keyId}\n${since}`;
      let period = periods.get(id);
      if (!period) {
        // Periods of other days and months are done with.
        for (const [k, p] of periods) if (p.keyId === keyId && p.since < since - 40 * 86_400_000) periods.delete(k);
        period = { keyId, since, n: count.get(keyId, since)?.n ?? 0 };
        periods.set(id, period);
      }
      return period.n;
    },
    nthCallSince: (keyId, since, n) => nth.get(keyId, since, n)?.at ?? null,
    record(keyId, at) {
      const id = Number(insert.run(keyId, at).lastInsertRowid);
      for (const p of periods.values()) if (p.keyId === keyId && at > p.since) p.n++;
      return id;
    },
    restamp: (id, at) => void restamp.run(at, id),
    pruneBefore: (at) => prune.run(at).changes,
  };
}
