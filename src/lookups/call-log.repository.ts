import { rawReader, withRawConnection, type Db } from '../shared/database.js';

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
  /** Resolves once every call recorded so far is on disk: await it before the call is sent. */
  saved(): Promise<void>;
  pruneBefore(at: number): Promise<number>;
  /**
   * Forgets what it read of the table and reads again from now on: another instance may have sent
   * calls meanwhile (a follower about to lead, or showing the dashboard). Calls not yet saved stay.
   */
  reload(): void;
}

interface Call {
  id: number;
  at: number;
}

type Change = { id: number; keyId: string; at: number; insert: boolean };

/**
 * Counts are answered from memory: each key's calls since the oldest window asked about (read from
 * the table once, then appended to as calls are recorded) and each period's running total. Writes go
 * to the table in order, through the database's one connection (`withRawConnection`), so they never
 * land inside, and roll back with, a transaction someone else has open. Reads of the table are
 * plain: no transaction writes it, so they only ever see committed calls.
 */
export function createCallLog(db: Db): CallLog {
  const reader = rawReader(db);
  const count = reader.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM vt_calls WHERE key_id = ? AND at > ?');
  const since = reader.prepare<[string, number], Call>('SELECT id, at FROM vt_calls WHERE key_id = ? AND at > ? ORDER BY at, id');
  const maxId = reader.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM vt_calls');
  const lastUnsavedId = () => unsaved.reduce((max, c) => (c.insert ? Math.max(max, c.id) : max), 0);
  let nextId = (maxId.get()?.id ?? 0) + 1;
  const windows = new Map<string, { since: number; calls: Call[] }>();
  const periods = new Map<string, { keyId: string; since: number; n: number }>();
  const unsaved: Change[] = [];
  let saving: Promise<void> | null = null;

  /** Calls not yet on disk count too: they were sent, or are about to be. */
  const unsavedSince = (keyId: string, after: number) => unsaved.filter((c) => c.insert && c.keyId === keyId && c.at > after);

  function windowOf(keyId: string, after: number): Call[] {
    let window = windows.get(keyId);
    if (!window || window.since > after) {
      const calls = [...since.all(keyId, after), ...unsavedSince(keyId, after).map(({ id, at }) => ({ id, at }))];
      window = { since: after, calls };
      windows.set(keyId, window);
    }
    // The limiter asks about ever later windows: calls that left the oldest one are done with.
    while ((window.calls[0]?.at ?? Infinity) <= after) window.calls.shift();
    window.since = after;
    return window.calls;
  }

  function save(): Promise<void> {
    saving ??= (async () => {
      try {
        while (unsaved.length > 0) {
          await withRawConnection(db, (sqlite) => {
            const insert = sqlite.prepare('INSERT INTO vt_calls (id, key_id, at) VALUES (?, ?, ?)');
            const restamp = sqlite.prepare('UPDATE vt_calls SET at = max(at, ?) WHERE id = ?');
            const batch = unsaved.slice();
            sqlite.transaction(() => {
              for (const c of batch) c.insert ? insert.run(c.id, c.keyId, c.at) : restamp.run(c.at, c.id);
            })();
            unsaved.splice(0, batch.length);
          });
        }
      } finally {
        saving = null;
      }
    })();
    return saving;
  }

  return {
    countSince: (keyId, after) => windowOf(keyId, after).length,
    countInPeriod(keyId, after) {
      const id = `${keyId}\n${after}`;
      let period = periods.get(id);
      if (!period) {
        // Periods of other days and months are done with.
        for (const [k, p] of periods) if (p.keyId === keyId && p.since < after - 40 * 86_400_000) periods.delete(k);
        period = { keyId, since: after, n: (count.get(keyId, after)?.n ?? 0) + unsavedSince(keyId, after).length };
        periods.set(id, period);
      }
      return period.n;
    },
    nthCallSince: (keyId, after, n) => windowOf(keyId, after)[n]?.at ?? null,
    record(keyId, at) {
      const id = nextId++;
      unsaved.push({ id, keyId, at, insert: true });
      windows.get(keyId)?.calls.push({ id, at });
      for (const p of periods.values()) if (p.keyId === keyId && at > p.since) p.n++;
      void save().catch(() => undefined);
      return id;
    },
    restamp(id, at) {
      for (const window of windows.values()) {
        const call = window.calls.find((c) => c.id === id);
        if (!call || call.at >= at) continue;
        call.at = at;
        window.calls.sort((a, b) => a.at - b.at || a.id - b.id);
      }
      unsaved.push({ id, keyId: '', at, insert: false });
      void save().catch(() => undefined);
    },
    saved: save,
    reload() {
      windows.clear();
      periods.clear();
      nextId = Math.max(nextId, (maxId.get()?.id ?? 0) + 1, lastUnsavedId() + 1);
    },
    pruneBefore: (at) => withRawConnection(db, (sqlite) => sqlite.prepare('DELETE FROM vt_calls WHERE at < ?').run(at).changes),
  };
}
