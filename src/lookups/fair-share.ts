/** A report with rows waiting, and its owner. */
export interface Runnable {
  reportId: string;
  userId: number;
}

/**
 * Calls a newcomer may take before the users already waiting get their turn again: enough for a
 * short list to finish in about the time of its own rows, too few to starve a long list for long.
 */
export const HEAD_START_CALLS = 25;

/** Calls served so far, per user and per report, as the estimate needs them. */
export interface Shares {
  users: ReadonlyMap<number, number>;
  reports: ReadonlyMap<string, number>;
}

/** The turns as saved for the next dispatcher: [key, served, lastTurn] per user and per report. */
export interface FairShareState {
  turn: number;
  users: Array<[number, number, number]>;
  reports: Array<[string, number, number]>;
}

interface Share {
  served: number;
  /** Order of the last call served; the least recently served goes first among equals. */
  lastTurn: number;
}

/**
 * Decides whose lookup goes next: round-robin across users, and across each user's reports, by the
 * calls each has had since its work began. Whoever has had fewest goes first, so when everyone
 * waits the turns alternate; someone arriving later starts a head start behind the least-served, so
 * a 10-hash list does not wait behind a colleague's 10,000, and does not starve them either.
 */
export class FairShare {
  private readonly users = new Map<number, Share>();
  private readonly reports = new Map<string, Share>();
  private turn = 0;
  private onChange: () => void = () => undefined;

  /** `onChange` hears of every change to the turns (once a call, so its listener should batch). */
  observe(onChange: () => void): void {
    this.onChange = onChange;
  }

  exportState(): FairShareState {
    return {
      turn: this.turn,
      users: [...this.users].map(([k, v]) => [k, v.served, v.lastTurn]),
      reports: [...this.reports].map(([k, v]) => [k, v.served, v.lastTurn]),
    };
  }

  importState(state: FairShareState): void {
    this.turn = state.turn;
    this.users.clear();
    this.reports.clear();
    for (const [k, served, lastTurn] of state.users) this.users.set(k, { served, lastTurn });
    for (const [k, served, lastTurn] of state.reports) this.reports.set(k, { served, lastTurn });
  }

  /** The runnable reports in the order to try them: users by share, then each user's reports by share. */
  order(runnable: Runnable[]): Runnable[] {
    const byUser = new Map<number, string[]>();
    for (const r of runnable) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r.reportId]);
    // Whoever has nothing waiting any more is forgotten: their next list starts as a newcomer.
    forget(this.users, new Set(byUser.keys()));
    forget(this.reports, new Set(runnable.map((r) => r.reportId)));
    admit(this.users, [...byUser.keys()]);
    const ordered: Runnable[] = [];
    for (const userId of sortByShare(this.users, [...byUser.keys()])) {
      const ids = byUser.get(userId) ?? [];
      admit(this.reports, ids);
      for (const reportId of sortByShare(this.reports, ids)) ordered.push({ reportId, userId });
    }
    this.onChange();
    return ordered;
  }

  shares(): Shares {
    return {
      users: new Map([...this.users].map(([k, v]) => [k, v.served])),
      reports: new Map([...this.reports].map(([k, v]) => [k, v.served])),
    };
  }

  served(r: Runnable): void {
    this.turn++;
    for (const [map, key] of [[this.users, r.userId], [this.reports, r.reportId]] as const) {
      const share = (map as Map<typeof key, Share>).get(key);
      if (share) {
        share.served++;
        share.lastTurn = this.turn;
      }
    }
    this.onChange();
  }
}

function forget<K>(shares: Map<K, Share>, present: Set<K>): void {
  for (const key of [...shares.keys()]) if (!present.has(key)) shares.delete(key);
}

/** Newcomers among `keys` start a head start behind the least-served of those already waiting. */
function admit<K>(shares: Map<K, Share>, keys: K[]): void {
  const waiting = keys.flatMap((k) => shares.get(k)?.served ?? []);
  const floor = waiting.length > 0 ? Math.min(...waiting) - HEAD_START_CALLS : 0;
  for (const key of keys) if (!shares.has(key)) shares.set(key, { served: floor, lastTurn: 0 });
}

function sortByShare<K>(shares: Map<K, Share>, keys: K[]): K[] {
  return [...keys].sort((a, b) => {
    const sa = shares.get(a)!;
    const sb = shares.get(b)!;
    return sa.served - sb.served || sa.lastTurn - sb.lastTurn;
  });
}
