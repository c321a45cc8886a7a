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

/** Each exported answer field with the row column it comes from (vt-result.columns.ts lists them in the same order). */
const EXPORTED_FROM = EXPORTED_RESULT.map((field) => [field, VT_RESULT_COLUMNS[VT_RESULT_FIELDS.indexOf(field)]] as const);

/**
 * Fields assigned one by one, in EXPORT_COLUMNS order (JSON.stringify keeps that order): a million-row
 * export calls this a million times, and building it through entries arrays cost more than the file's text.
 */
export function toExportItem(row: ReportItemRow): ExportItem {
  const item: Record<string, unknown> = { line: row.line, input: row.input, value: row.hash, type: row.hash_type, status: row.status };
  for (const [field, column] of EXPORTED_FROM) item[field] = column === 'categories' ? categoriesOf(row.categories) : row[column as keyof ReportItemRow];
  item.lookedUpAt = row.looked_up_at == null ? null : new Date(row.looked_up_at).toISOString();
  item.fromCache = row.from_cache == null ? null : row.from_cache === 1;
  item.virusTotalUrl = virusTotalUrl(row);
  item.error = row.error;
  return item as unknown as ExportItem;
}
