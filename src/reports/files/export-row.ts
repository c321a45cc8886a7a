import type { LookupType } from '../../lookups/lookup.types.js';
import { categoriesOf, VT_RESULT_COLUMNS, VT_RESULT_FIELDS, type VtResult, type VtResultField } from '../../lookups/vt-result.columns.js';
import { virusTotalUrl } from '../report-links.js';
import type { ReportItemRow, Verdict } from '../report.table.js';

// The shape of a row in the CSV and JSON exports, the JSON API and the connector's output files.

/** The answer id means nothing outside the app; the file's name and threat label are what an analyst hands on. */
type NotExported = 'answerId';
const NOT_EXPORTED: readonly VtResultField[] = ['answerId'] satisfies NotExported[];
const EXPORTED_RESULT = VT_RESULT_FIELDS.filter((field): field is Exclude<VtResultField, NotExported> => !NOT_EXPORTED.includes(field));

/**
 * One row as the CSV and JSON exports (and the JSON API) give it: the answer's columns in camelCase
 * (lookups/vt-result.columns.ts) between the row's own fields. Files fill the hashes and Fortinet's
 * detection name, its name on VirusTotal and its threat label; domains and IPs fill reputation, categories (domains), AS owner and country (IPs),
 * and Fortinet's result whatever it is ("clean", "unrated", "malware").
 */
export interface ExportItem extends Omit<VtResult<Verdict>, NotExported> {
  line: number;
  input: string;
  /** What was looked up: the hash, or the domain or IP the input names (a URL counts as its host). */
  value: string | null;
  type: LookupType | null;
  status: string;
  lookedUpAt: string | null;
  fromCache: boolean | null;
  virusTotalUrl: string | null;
  error: string | null;
}

/** The CSV's header, and the order of every export's fields. */
export const EXPORT_COLUMNS: (keyof ExportItem)[] = [
  'line', 'input', 'value', 'type', 'status',
  ...EXPORTED_RESULT,
  'lookedUpAt', 'fromCache', 'virusTotalUrl', 'error',
];

/**
 * The columns the exports read, in this order: a row read for a file is an array of these (the
 * readers ask the database for arrays, export-rows.repository.ts), and every field is taken from it
 * by position. `id` first: the SQLite reader continues after the last one.
 */
export const EXPORT_READ_COLUMNS = [
  'id', 'line', 'input', 'hash', 'hash_type', 'status',
  ...VT_RESULT_COLUMNS.filter((column) => column !== 'answer_id'),
  'looked_up_at', 'from_cache', 'error',
] as const satisfies readonly (keyof ReportItemRow)[];

/** A row as the exports read it: the values of EXPORT_READ_COLUMNS, in their order. */
export type ExportRow = readonly unknown[];

type Getter = (row: ExportRow) => unknown;

const at = (column: (typeof EXPORT_READ_COLUMNS)[number]) => EXPORT_READ_COLUMNS.indexOf(column);
const [HASH, HASH_TYPE, SHA256, CATEGORIES, LOOKED_UP_AT, FROM_CACHE] = (['hash', 'hash_type', 'sha256', 'categories', 'looked_up_at', 'from_cache'] as const).map(at) as [number, number, number, number, number, number];
const column = (index: number): Getter => (row) => row[index];

/** How each field is read from a row: the answer's columns as vt-result.columns.ts names them, categories parsed. */
const GETTERS: Record<keyof ExportItem, Getter> = {
  line: column(at('line')),
  input: column(at('input')),
  value: column(HASH),
  type: column(HASH_TYPE),
  status: column(at('status')),
  ...(Object.fromEntries(
    EXPORTED_RESULT.map((field) => {
      const name = VT_RESULT_COLUMNS[VT_RESULT_FIELDS.indexOf(field)] as (typeof EXPORT_READ_COLUMNS)[number];
      return [field, name === 'categories' ? (row: ExportRow) => categoriesOf(row[CATEGORIES] as string | null) : column(at(name))];
    }),
  ) as Record<(typeof EXPORTED_RESULT)[number], Getter>),
  lookedUpAt: (row) => (row[LOOKED_UP_AT] == null ? null : new Date(row[LOOKED_UP_AT] as number).toISOString()),
  fromCache: (row) => (row[FROM_CACHE] == null ? null : row[FROM_CACHE] === 1),
  virusTotalUrl: (row) => virusTotalUrl({ hash: row[HASH] as string | null, hash_type: row[HASH_TYPE] as ReportItemRow['hash_type'], sha256: row[SHA256] as string | null }),
  error: column(at('error')),
};

/** The value of each of EXPORT_COLUMNS, in its order: the CSV and JSON read a row's fields straight from these. */
export const EXPORT_VALUES: readonly Getter[] = EXPORT_COLUMNS.map((name) => GETTERS[name]);

/** A row read as an object (the API's pages, the PDF's rows) as the exports read it. */
export function exportRowOf(row: ReportItemRow): ExportRow {
  const values = new Array<unknown>(EXPORT_READ_COLUMNS.length);
  for (let i = 0; i < EXPORT_READ_COLUMNS.length; i++) values[i] = row[EXPORT_READ_COLUMNS[i]!];
  return values;
}

/**
 * Fields assigned one by one, in EXPORT_COLUMNS order (JSON.stringify keeps that order): building it
 * through entries arrays cost more than the file's text.
 */
export function toExportItem(row: ReportItemRow): ExportItem {
  const values = exportRowOf(row);
  const item: Record<string, unknown> = {};
  for (let i = 0; i < EXPORT_COLUMNS.length; i++) item[EXPORT_COLUMNS[i] as string] = (EXPORT_VALUES[i] as Getter)(values);
  return item as unknown as ExportItem;
}

/** Rows read as objects, as the exports read them, a batch at a time: the connector's and the email's files. */
export async function* exportRowBatches(items: AsyncIterable<ReportItemRow>, batch = 1000): AsyncGenerator<ExportRow[]> {
  let rows: ExportRow[] = [];
  for await (const item of items) {
    rows.push(exportRowOf(item));
    if (rows.length < batch) continue;
    yield rows;
    rows = [];
  }
  if (rows.length > 0) yield rows;
}
