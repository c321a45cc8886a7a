import { HEAD_START_CALLS, type Shares } from './fair-share.js';

export interface PendingReport {
  reportId: string;
  userId: number;
  pending: number;
}

/**
 * How many calls, from now, until a report's last row is looked up, with turns taken as FairShare
 * takes them: whoever has been served fewest calls goes next. The report needs its own rows; each of
 * its owner's other reports takes the turns it gets before the report's last one; every other user
 * likewise before the owner's last turn. Someone not yet seen by the scheduler is counted as it will
 * count them: a head start behind the least-served. Ties are counted against the report, so the
 * estimate errs late. When only the owner's own key serves them, nobody else competes for it.
 */
export function callsUntilDone(reports: PendingReport[], reportId: string, ownKeyOnly = false, served: Shares = EMPTY): number {
  const target = reports.find((r) => r.reportId === reportId);
  if (!target || target.pending === 0) return 0;

  const own = reports.filter((r) => r.userId === target.userId);
  const reportServed = servedWithNewcomers(served.reports, own.map((r) => r.reportId));
  const targetServed = reportServed.get(target.reportId) ?? 0;
  let ownerTurns = target.pending;
  for (const r of own) {
    if (r !== target) ownerTurns += turnsBefore(r.pending, reportServed.get(r.reportId) ?? 0, targetServed + target.pending);
  }
  if (ownKeyOnly) return ownerTurns;

  const pendingByUser = new Map<number, number>();
  for (const r of reports) pendingByUser.set(r.userId, (pendingByUser.get(r.userId) ?? 0) + r.pending);
  const userServed = servedWithNewcomers(served.users, [...pendingByUser.keys()]);
  const ownerServed = userServed.get(target.userId) ?? 0;
  let calls = ownerTurns;
  for (const [userId, pending] of pendingByUser) {
    if (userId !== target.userId) calls += turnsBefore(pending, userServed.get(userId) ?? 0, ownerServed + ownerTurns);
  }
  return calls;
}

const EMPTY: Shares = { users: new Map(), reports: new Map() };

/** Turns someone with `pending` rows and `served` calls gets while served counts stay below `until`. */
function turnsBefore(pending: number, served: number, until: number): number {
  return Math.min(pending, Math.max(0, until - served));
}

/** The served counts of `keys`, with the ones the scheduler has not seen yet placed as it will place them. */
function servedWithNewcomers<K>(known: ReadonlyMap<K, number>, keys: K[]): Map<K, number> {
  const seen = keys.filter((k) => known.has(k)).map((k) => known.get(k)!);
  const floor = seen.length > 0 ? Math.min(...seen) - HEAD_START_CALLS : 0;
  return new Map(keys.map((k) => [k, known.get(k) ?? floor]));
}

/** The queue as it will stand once `calls` more rows of a report wait: a refresh priced before it is queued. */
export function withMorePending(reports: PendingReport[], target: Omit<PendingReport, 'pending'>, calls: number): PendingReport[] {
  if (!reports.some((r) => r.reportId === target.reportId)) return [...reports, { ...target, pending: calls }];
  return reports.map((r) => (r.reportId === target.reportId ? { ...r, pending: r.pending + calls } : r));
}
