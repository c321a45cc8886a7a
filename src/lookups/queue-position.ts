export interface PendingReport {
  reportId: string;
  userId: number;
  pending: number;
}

/**
 * How many calls, from now, until a report's last row is looked up, with turns taken round-robin as
 * FairShare takes them: the report needs its own rows; each of its owner's other reports takes a turn
 * per turn of this one (until it runs out); and every other user takes one turn per turn of the owner
 * (until they run out). When only the owner's own key serves them, nobody else competes for it.
 * Newcomers' head starts can only make it sooner, so this errs late, never early.
 */
export function callsUntilDone(reports: PendingReport[], reportId: string, ownKeyOnly = false): number {
  const target = reports.find((r) => r.reportId === reportId);
  if (!target || target.pending === 0) return 0;
  const n = target.pending;
  const ownerTurns = reports.filter((r) => r.userId === target.userId).reduce((sum, r) => sum + Math.min(r.pending, n), 0);
  if (ownKeyOnly) return ownerTurns;
  const others = new Map<number, number>();
  for (const r of reports) if (r.userId !== target.userId) others.set(r.userId, (others.get(r.userId) ?? 0) + r.pending);
  let calls = ownerTurns;
  for (const pending of others.values()) calls += Math.min(pending, ownerTurns);
  return calls;
}

