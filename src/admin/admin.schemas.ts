import { z } from 'zod';

/** A user id in a URL, digits only; anything else is a page that does not exist. */
export const userIdParam = z.string().regex(/^[1-9]\d{0,14}$/).transform(Number);

/** A shared key's id in a URL: its fingerprint (`k-` and 12 hex characters), never the key. */
export const keyIdParam = z.string().regex(/^k-[0-9a-f]{12}$/);

export const SORT_DIRECTIONS = ['asc', 'desc'] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

/** The sizes the report page offers too; fewer by default, as the dashboard stacks several tables. */
export const ADMIN_PAGE_SIZES = [50, 100, 500] as const;
export const ADMIN_DEFAULT_PAGE_SIZE = 50;

/**
 * The tables of /admin that grow with the users, each sortable column with the direction its first
 * click gives. Anything else in a link (another column, a password_hash) falls back to the default.
 */
export const ADMIN_TABLES = {
  keys: { key: 'asc', kind: 'asc', minute: 'desc', today: 'desc', month: 'desc' },
  queue: { user: 'asc', waiting: 'desc' },
  users: { email: 'asc', created: 'asc', reports: 'desc', state: 'desc' },
} as const satisfies Record<string, Record<string, SortDirection>>;

/** The order each table has before anyone clicks: shared keys first, the longest wait, the oldest account. */
export const ADMIN_DEFAULT_SORTS: { readonly [T in AdminTable]: AdminSort<T> } = { keys: 'kind', queue: 'waiting', users: 'created' };

export type AdminTable = keyof typeof ADMIN_TABLES;
export type AdminSort<T extends AdminTable> = keyof (typeof ADMIN_TABLES)[T] & string;
export const ADMIN_TABLE_NAMES = Object.keys(ADMIN_TABLES) as AdminTable[];

/** One table's order and page, as asked; the service moves a page past the end back to the last one. */
export interface TableView<S extends string = string> {
  sort: S;
  dir: SortDirection;
  per: number;
  page: number;
}
export type AdminView = { [T in AdminTable]: TableView<AdminSort<T>> };

const pageSize = z.coerce
  .number()
  .refine((n) => (ADMIN_PAGE_SIZES as readonly number[]).includes(n))
  .catch(ADMIN_DEFAULT_PAGE_SIZE);
const pageNumber = z.coerce.number().int().min(1).max(1_000_000).catch(1);

function tableViewSchema<T extends AdminTable>(table: T) {
  const sorts: Record<string, SortDirection> = ADMIN_TABLES[table];
  const columns = Object.keys(sorts) as [AdminSort<T>, ...AdminSort<T>[]];
  const fallback: AdminSort<T> = ADMIN_DEFAULT_SORTS[table];
  return z
    .object({
      sort: z.custom<AdminSort<T>>((v) => typeof v === 'string' && columns.includes(v as AdminSort<T>)).catch(fallback),
      dir: z.enum(SORT_DIRECTIONS).optional().catch(undefined),
      per: pageSize,
      page: pageNumber,
    })
    .transform((v): TableView<AdminSort<T>> => ({ ...v, dir: v.dir ?? sorts[v.sort] ?? 'asc' }));
}

/**
 * `?users_sort=email&users_dir=desc&users_per=100&users_page=2`, and the same with `keys_` and
 * `queue_`: each table keeps its own order and page while another one is sorted or paged.
 */
export function parseAdminView(query: Record<string, unknown>): AdminView {
  const one = <T extends AdminTable>(table: T): TableView<AdminSort<T>> =>
    tableViewSchema(table).parse({
      sort: query[`${table}_sort`],
      dir: query[`${table}_dir`],
      per: query[`${table}_per`],
      page: query[`${table}_page`],
    });
  return { keys: one('keys'), queue: one('queue'), users: one('users') };
}
