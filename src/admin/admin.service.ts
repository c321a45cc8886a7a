import type { Db } from '../shared/database.js';
import { AppError, NotFoundError } from '../shared/errors.js';
import { endAccessOf, type CurrentUser } from '../auth/auth.service.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import type { LookupFailure } from '../lookups/recent-failures.js';
import { buildActivityChart, type ActivityChart } from './activity-chart.js';
import * as repo from './admin.repository.js';
import type { AdminSort, AdminView } from './admin.schemas.js';
import { pageOfKeys, type AdminKey } from './admin-keys.js';
import { pageWindow, type TablePage } from './admin-paging.js';

export type DashboardEngine = Pick<LookupEngine, 'keys' | 'inFlight' | 'recentFailures'>;

export interface AdminUser {
  id: number;
  email: string;
  createdAt: Date;
  disabledAt: Date | null;
  reports: number;
}

export interface Dashboard {
  keys: TablePage<AdminKey, AdminSort<'keys'>>;
  inFlight: number;
  queue: TablePage<repo.PendingByUser, AdminSort<'queue'>>;
  activity: ActivityChart;
  cache: {
    entries: number;
    aliases: number;
    answered: number;
    fromCache: number;
    /** Share of answered rows that came from the cache, 0..1; null when nothing was answered. */
    hitRate: number | null;
    callsSaved: number;
  };
  failures: Array<LookupFailure & { keyHint: string }>;
  errorRows: Array<{ hash: string; reason: string; at: Date | null }>;
  users: TablePage<AdminUser, AdminSort<'users'>>;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const RECENT_ERROR_ROWS = 20;

/**
 * An admin is someone granted the role (`npm run admin -- grant EMAIL`), or the owner of an address
 * in ADMIN_EMAILS who proved it is theirs by the link sent to it. Registering an address proves
 * nothing, and no account becomes admin because another was deleted.
 */
export function isAdmin(adminEmails: readonly string[], user: Pick<CurrentUser, 'email' | 'adminRole' | 'emailConfirmed'>): boolean {
  return user.adminRole || (user.emailConfirmed && adminEmails.includes(user.email));
}

/** Everything the dashboard shows, read at `now`, each growing table in the order and page of `view`. */
export async function loadDashboard(db: Db, engine: DashboardEngine, view: AdminView, now = Date.now()): Promise<Dashboard> {
  const since = now - DAY_MS;
  const [keys, users, queue, activity, cacheSize, answered, callsToday, errorRows] = await Promise.all([
    loadKeys(db, engine, view),
    loadUsers(db, view),
    loadQueue(db, view),
    loadActivity(db, now),
    repo.countCache(db),
    repo.countAnsweredSince(db, since),
    repo.countCallsSince(db, since),
    repo.listRecentErrorRows(db, RECENT_ERROR_ROWS),
  ]);
  const hints = new Map(engine.keys().map((k) => [k.id, k.hint]));
  return {
    keys,
    inFlight: engine.inFlight(),
    queue,
    activity,
    cache: {
      ...cacheSize,
      ...answered,
      hitRate: answered.answered === 0 ? null : answered.fromCache / answered.answered,
      // Retries and refused calls can outnumber the answers; nothing was saved then, not less than nothing.
      callsSaved: Math.max(0, answered.answered - callsToday),
    },
    failures: engine
      .recentFailures()
      .map((f) => ({ ...f, keyHint: hints.get(f.keyId) ?? f.keyId }))
      .sort((a, b) => b.at - a.at),
    errorRows: errorRows.map((r) => ({ hash: r.hash ?? '', reason: r.error ?? '', at: r.looked_up_at == null ? null : new Date(r.looked_up_at) })),
    users,
  };
}

async function loadKeys(db: Db, engine: DashboardEngine, view: AdminView): Promise<Dashboard['keys']> {
  const keys = engine.keys();
  const owners = await repo.findEmailsByIds(db, [...new Set(keys.flatMap((k) => (k.ownerId === null ? [] : [k.ownerId])))]);
  return pageOfKeys(keys.map((k) => ({ ...k, ownerEmail: k.ownerId === null ? null : (owners.get(k.ownerId) ?? null) })), view.keys);
}

async function loadUsers(db: Db, view: AdminView): Promise<Dashboard['users']> {
  const total = await repo.countUsers(db);
  const { limit, offset, ...page } = pageWindow(view.users, total);
  const rows = await repo.listUsersWithReportCounts(db, { sort: page.view.sort, dir: page.view.dir, limit, offset });
  return {
    ...page,
    total,
    rows: rows.map((u) => ({
      id: u.id,
      email: u.email,
      createdAt: new Date(u.created_at),
      disabledAt: u.disabled_at == null ? null : new Date(u.disabled_at),
      reports: u.reports,
    })),
  };
}

async function loadQueue(db: Db, view: AdminView): Promise<Dashboard['queue']> {
  const total = await repo.countUsersWaiting(db);
  const { limit, offset, ...page } = pageWindow(view.queue, total);
  return { ...page, total, rows: await repo.countPendingByUser(db, { sort: page.view.sort, dir: page.view.dir, limit, offset }) };
}

/** The last 1,440 whole minutes up to and including the current one, zero-filled. */
async function loadActivity(db: Db, now: number): Promise<ActivityChart> {
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const start = end - DAY_MS;
  const counts = new Array<number>(DAY_MS / MINUTE_MS).fill(0);
  for (const { bucket, n } of await repo.countCallsByBucket(db, start, end, MINUTE_MS)) counts[bucket] = n;
  return buildActivityChart(counts, start);
}

/**
 * Switches an account off or on. Disabling ends its sessions, revokes its API tokens and stops its
 * personal key; enabling it again brings none of them back. An admin cannot lock themself out.
 */
export async function setUserDisabled(
  db: Db,
  engine: Pick<LookupEngine, 'personalKeyChanged'>,
  input: { adminId: number; userId: number; disabled: boolean },
  now = Date.now(),
): Promise<void> {
  if (input.disabled && input.userId === input.adminId) {
    throw new AppError('You cannot disable your own account.', 400, 'cannot_disable_self');
  }
  const found = await db.transaction().execute(async (trx) => {
    if (!(await repo.updateUserDisabledAt(trx, input.userId, input.disabled ? now : null))) return false;
    if (input.disabled) await endAccessOf(trx, input.userId, now);
    return true;
  });
  if (!found) throw new NotFoundError('No such user.');
  await engine.personalKeyChanged(input.userId);
}
