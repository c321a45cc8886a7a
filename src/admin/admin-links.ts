import {
  ADMIN_DEFAULT_PAGE_SIZE,
  ADMIN_DEFAULT_SORTS,
  ADMIN_TABLE_NAMES,
  ADMIN_TABLES,
  type AdminSort,
  type AdminTable,
  type AdminView,
  type SortDirection,
  type TableView,
} from './admin.schemas.js';

// The links of /admin's tables: plain GET links that work without JavaScript. Each carries every
// table's order and page, so sorting the users does not send the keys back to their first page.

/** What views/partials/sort-th and table-nav need to draw one table's headers and pagers. */
export interface TableLinks {
  /** The column it is sorted by, in the shape sort-th reads. */
  query: { sort: string };
  direction: 'ascending' | 'descending';
  per: number;
  /** The same table in another order (a second click on its column reverses it) or page size, from its first page. */
  viewHref: (change: { sort?: string; per?: number }) => string;
  pageHref: (page: number) => string;
  /** The words after "sort:" or "sorted:" in a column header, for screen readers. */
  hint: (sort: string) => string;
}

/** How each column reads in each direction, ascending first. */
const ORDER_WORDS: { [T in AdminTable]: Record<AdminSort<T>, readonly [string, string]> } = {
  keys: {
    key: ['A to Z', 'Z to A'],
    kind: ['shared first', 'personal first'],
    minute: ['fewest first', 'most first'],
    today: ['fewest first', 'most first'],
    month: ['fewest first', 'most first'],
  },
  queue: { user: ['A to Z', 'Z to A'], waiting: ['fewest first', 'most first'] },
  users: {
    email: ['A to Z', 'Z to A'],
    created: ['oldest first', 'newest first'],
    reports: ['fewest first', 'most first'],
    state: ['active first', 'disabled first'],
  },
};

const flip = (dir: SortDirection): SortDirection => (dir === 'asc' ? 'desc' : 'asc');
const firstDirection = <T extends AdminTable>(table: T, sort: AdminSort<T>): SortDirection => (ADMIN_TABLES[table] as Record<string, SortDirection>)[sort] ?? 'asc';

/** Every table's view as query values, defaults left out so an untouched dashboard stays `/admin`. */
export function adminQuery(view: AdminView): string {
  const search = new URLSearchParams();
  for (const table of ADMIN_TABLE_NAMES) {
    const v: TableView = view[table];
    if (v.sort !== ADMIN_DEFAULT_SORTS[table]) search.set(`${table}_sort`, v.sort);
    if (v.dir !== firstDirection(table, v.sort as AdminSort<typeof table>)) search.set(`${table}_dir`, v.dir);
    if (v.per !== ADMIN_DEFAULT_PAGE_SIZE) search.set(`${table}_per`, String(v.per));
    if (v.page > 1) search.set(`${table}_page`, String(v.page));
  }
  return search.toString();
}

/** `/admin` with this view, for a redirect after an action on the page. */
export const adminHref = (view: AdminView) => {
  const query = adminQuery(view);
  return query === '' ? '/admin' : `/admin?${query}`;
};

function tableLinks<T extends AdminTable>(view: AdminView, table: T): TableLinks {
  const own = view[table] as TableView<AdminSort<T>>;
  const words = ORDER_WORDS[table] as Record<string, readonly [string, string]>;
  const wordsFor = (sort: string, dir: SortDirection) => words[sort]?.[dir === 'asc' ? 0 : 1] ?? '';
  const href = (changed: TableView<AdminSort<T>>) => `?${adminQuery({ ...view, [table]: changed })}#admin-${table}`;
  return {
    query: { sort: own.sort },
    direction: own.dir === 'asc' ? 'ascending' : 'descending',
    per: own.per,
    viewHref: ({ sort, per }) => {
      const column = (sort ?? own.sort) as AdminSort<T>;
      const dir = sort === undefined ? own.dir : column === own.sort ? flip(own.dir) : firstDirection(table, column);
      return href({ sort: column, dir, per: per ?? own.per, page: 1 });
    },
    pageHref: (page) => href({ ...own, page }),
    hint: (sort) => (sort === own.sort ? `${wordsFor(sort, own.dir)}; select for ${wordsFor(sort, flip(own.dir))}` : wordsFor(sort, firstDirection(table, sort as AdminSort<T>))),
  };
}

export function adminTableLinks(view: AdminView): { [T in AdminTable]: TableLinks } {
  return { keys: tableLinks(view, 'keys'), queue: tableLinks(view, 'queue'), users: tableLinks(view, 'users') };
}
