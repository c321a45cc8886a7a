import type { TableView } from './admin.schemas.js';

/** One page of a table, with what its pager and headers need. */
export interface TablePage<T, S extends string = string> {
  rows: T[];
  /** Rows in the whole table. */
  total: number;
  /** The order and size asked for, the page moved into range. */
  view: TableView<S>;
  pages: number;
}

/** The page asked for, or the last one when the table has shrunk since the link was made. */
export function pageWindow<S extends string>(view: TableView<S>, total: number): { view: TableView<S>; pages: number; limit: number; offset: number } {
  const pages = Math.max(1, Math.ceil(total / view.per));
  const page = Math.min(view.page, pages);
  return { view: { ...view, page }, pages, limit: view.per, offset: (page - 1) * view.per };
}
