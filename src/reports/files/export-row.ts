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

type Getter = (row: ReportItemRow) => unknown;

/** How each field is read from a row: the answer's columns as vt-result.columns.ts names them, categories parsed. */
const GETTERS: Record<keyof ExportItem, Getter> = {
  line: (row) => row.line,
  input: (row) => row.input,
  value: (row) => row.hash,
  type: (row) => row.hash_type,
  status: (row) => row.status,
  ...(Object.fromEntries(
    EXPORTED_RESULT.map((field) => {
      const column = VT_RESULT_COLUMNS[VT_RESULT_FIELDS.indexOf(field)] as keyof ReportItemRow;
      return [field, column === 'categories' ? (row: ReportItemRow) => categoriesOf(row.categories) : (row: ReportItemRow) => row[column]];
    }),
  ) as Record<(typeof EXPORTED_RESULT)[number], Getter>),
  lookedUpAt: (row) => (row.looked_up_at == null ? null : new Date(row.looked_up_at).toISOString()),
  fromCache: (row) => (row.from_cache == null ? null : row.from_cache === 1),
  virusTotalUrl: (row) => virusTotalUrl(row),
  error: (row) => row.error,
};

/** The value of each of EXPORT_COLUMNS, in its order: the CSV reads a row's cells straight from these. */
export const EXPORT_VALUES: readonly Getter[] = EXPORT_COLUMNS.map((column) => GETTERS[column]);

/**
 * Fields assigned one by one, in EXPORT_COLUMNS order (JSON.stringify keeps that order): a million-row
 * export calls this a million times, and building it through entries arrays cost more than the file's text.
 */
export function toExportItem(row: ReportItemRow): ExportItem {
  const item: Record<string, unknown> = {};
  for (let i = 0; i < EXPORT_COLUMNS.length; i++) item[EXPORT_COLUMNS[i] as string] = (EXPORT_VALUES[i] as Getter)(row);
  return item as unknown as ExportItem;
}
