import type { KeyStatus } from '../lookups/key-slot.js';
import type { AdminSort, TableView } from './admin.schemas.js';
import { pageWindow, type TablePage } from './admin-paging.js';

export type AdminKey = KeyStatus & { ownerEmail: string | null };

// Keys are the engine's live state, not rows in a table: one per shared key and per personal key,
// so at most one per user; sorting them in memory costs less than the page that shows them.
const ORDER: Record<AdminSort<'keys'>, (a: AdminKey, b: AdminKey) => number> = {
  key: (a, b) => compareText(a.hint, b.hint),
  // Shared keys first, then each personal key by its owner's address.
  kind: (a, b) => Number(a.ownerId !== null) - Number(b.ownerId !== null) || compareText(a.ownerEmail ?? '', b.ownerEmail ?? ''),
  minute: (a, b) => a.usedInWindow - b.usedInWindow,
  today: (a, b) => a.usedToday - b.usedToday,
  month: (a, b) => a.usedThisMonth - b.usedThisMonth,
};

/** Byte order, as the database sorts the other tables' addresses. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function pageOfKeys(keys: readonly AdminKey[], asked: TableView<AdminSort<'keys'>>): TablePage<AdminKey, AdminSort<'keys'>> {
  const { view, pages, limit, offset } = pageWindow(asked, keys.length);
  const sign = view.dir === 'asc' ? 1 : -1;
  // The engine's own order (its ids) breaks ties, so a key never shows on two pages.
  const sorted = keys.map((k, i) => ({ k, i })).sort((a, b) => sign * ORDER[view.sort](a.k, b.k) || a.i - b.i);
  return { rows: sorted.slice(offset, offset + limit).map(({ k }) => k), total: keys.length, view, pages };
}
