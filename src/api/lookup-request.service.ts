import type { Transaction } from 'kysely';
import type { Db } from '../shared/database.js';
import type { Database } from '../shared/schema.js';
import { findFreshAnswer, queueForcedLookup, queueWaitingRows } from '../lookups/lookup-queue.js';
import { countForcedRefresh, ForcedRefreshLimitError, mayForceRefresh, type ForcedRefreshCap } from '../reports/forced-refresh-cap.js';
import { MAX_INPUT_CHARS } from '../reports/list-parser.js';
import { newReportId } from '../reports/report-import.js';
import * as reports from '../reports/report.repository.js';
import * as repo from './lookup-request.repository.js';
import { resultFromEntry, resultFromError, type DetectedValue, type LookupResult } from './lookup-result.js';

export type { DetectedValue, LookupResult } from './lookup-result.js';

// One value at a time through the API. The scheduler only serves rows of active reports, so a value
// the cache cannot answer becomes a row of the user's own "API lookups" report, an ordinary report
// (it shows in the browser too) of kind 'lookups'. That row is also the memory of what the user asked:
// while it is pending the answer is "queued"; once answered, only a cache entry at least as new as
// the row's answer is returned, so a forced refresh is never answered by the entry it replaced.

export const LOOKUPS_REPORT_NAME = 'API lookups';

export type LookupOutcome = { kind: 'answer'; result: LookupResult } | { kind: 'queued'; reportId: string };

/**
 * The cached answer for a value, or a queued lookup:
 * 1. a row of the user's still waiting: queued;
 * 2. a cache entry inside the TTL (and not older than the row's own answer): the answer;
 * 3. the row's error, while younger than the TTL (POST /refresh tries again at once);
 * 4. otherwise the value (re)joins the user's lookups report as a pending row: queued.
 */
export async function lookupValue(db: Db, userId: number, wanted: DetectedValue & { input: string }, cacheTtlMs: number, now = Date.now()): Promise<LookupOutcome> {
  const row = await repo.findLookupRow(db, userId, wanted.value);
  if (row?.status === 'pending') return { kind: 'queued', reportId: row.report_id };
  const freshAfter = Math.max(now - cacheTtlMs, (row?.looked_up_at ?? 0) - 1);
  const entry = await findFreshAnswer(db, wanted.value, freshAfter);
  if (entry) return { kind: 'answer', result: resultFromEntry(wanted, entry, row) };
  if (row?.status === 'error' && (row.looked_up_at ?? 0) > now - cacheTtlMs) return { kind: 'answer', result: resultFromError(wanted, row) };
  const reportId = await db.transaction().execute((trx) => queueValue(trx, userId, wanted, null, now));
  return { kind: 'queued', reportId };
}

/**
 * Asks VirusTotal about the value again, even inside the TTL: its row in the lookups report and its job
 * take only an answer fetched from now on. A job already queued for the value stays the one job.
 * Beyond the user's daily cap on the shared quota (`cap`), ForcedRefreshLimitError, and nothing changes.
 */
export async function refreshValue(db: Db, userId: number, wanted: DetectedValue & { input: string }, cap: ForcedRefreshCap, now = Date.now()): Promise<string> {
  const reportId = await db.transaction().execute(async (trx) => {
    // Refused by returning, not throwing: the refusal is thrown after the transaction has ended.
    if (!(await mayForceRefresh(trx, userId, cap, now))) return null;
    const id = await queueValue(trx, userId, wanted, now, now);
    await queueForcedLookup(trx, { hash: wanted.value, hashType: wanted.type }, now);
    await countForcedRefresh(trx, userId, cap, now);
    return id;
  });
  if (reportId === null) throw new ForcedRefreshLimitError(cap?.perDay ?? 0, now);
  return reportId;
}

/** The user's lookups report's id, or null before their first queued lookup. */
export async function lookupsReportId(db: Db, userId: number): Promise<string | null> {
  return (await repo.findLookupsReport(db, userId))?.id ?? null;
}

/** The value's row, pending (forced from `refreshAfter` when given), in a lookups report that runs again. */
async function queueValue(trx: Transaction<Database>, userId: number, wanted: DetectedValue & { input: string }, refreshAfter: number | null, now: number): Promise<string> {
  const reportId = await findOrCreateLookupsReport(trx, userId, now);
  const row = await repo.findLookupRow(trx, userId, wanted.value);
  const input = wanted.input.length > MAX_INPUT_CHARS ? `${wanted.input.slice(0, MAX_INPUT_CHARS)}…` : wanted.input;
  if (!row) await repo.insertLookupRow(trx, reportId, { input, value: wanted.value, type: wanted.type, refreshAfter });
  else if (refreshAfter !== null || row.status !== 'pending') await repo.requeueLookupRow(trx, row.id, refreshAfter);
  await queueWaitingRows(trx, reportId, now);
  // Running again, so the scheduler serves it and it completes again; it never sends email.
  await reports.updateReport(trx, reportId, { state: 'active', completed_at: null, total: await reports.countItems(trx, reportId) });
  return reportId;
}

async function findOrCreateLookupsReport(trx: Transaction<Database>, userId: number, now: number): Promise<string> {
  const existing = await repo.findLookupsReport(trx, userId);
  if (existing) return existing.id;
  const id = newReportId();
  await reports.insertReport(trx, { id, user_id: userId, name: LOOKUPS_REPORT_NAME, kind: 'lookups', state: 'active', created_at: now, notify_email: 0, email_status: null });
  return id;
}
