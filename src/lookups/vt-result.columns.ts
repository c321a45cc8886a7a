// The one definition of the columns a VirusTotal answer is kept in: the cache entry holds them, and
// every report row the entry answers gets a copy. The table types, the cache's upserts, the copy into
// report rows and the exports are made from this list. A new column: add it to the list and the
// interface, write its migration (both tables), and show it where wanted.

/** In the order the exports give them (reports/files/export-row.ts leaves out the last, answer_id). */
export const VT_RESULT_COLUMNS = [
  'verdict',
  'sha256',
  'sha1',
  'md5',
  'malicious',
  'suspicious',
  'undetected',
  'harmless',
  'engines',
  'fortinet',
  'reputation',
  'categories',
  'as_owner',
  'country',
  'last_analysis_date',
  'meaningful_name',
  'threat_label',
  'answer_id',
] as const satisfies readonly (keyof VtResultColumns<string>)[];

export type VtResultColumn = (typeof VT_RESULT_COLUMNS)[number];

/** `V`: the verdicts the table allows (a report row's include pending, invalid and error). */
export interface VtResultColumns<V extends string> {
  /** Files: malicious, suspicious or clean; domains and IPs: suspicious or not_suspicious; or not_found. */
  verdict: V;
  sha256: string | null;
  sha1: string | null;
  md5: string | null;
  malicious: number | null;
  suspicious: number | null;
  undetected: number | null;
  harmless: number | null;
  engines: number | null;
  /** Files: Fortinet's detection name; domains and IPs: its result ("clean", "unrated", "malware"). */
  fortinet: string | null;
  /** Domains and IPs: VirusTotal's community reputation (files keep it in the whole answer only). */
  reputation: number | null;
  /** Domains: JSON array of the distinct categories vendors gave. */
  categories: string | null;
  /** IPs: the autonomous system's owner and the country (ISO 3166). */
  as_owner: string | null;
  country: string | null;
  last_analysis_date: string | null;
  /** The file's name on VirusTotal; a report searches it. */
  meaningful_name: string | null;
  /** Files: VirusTotal's popular threat label (popular_threat_classification.suggested_threat_label). */
  threat_label: string | null;
  /** The whole answer the facts came from (vt_answers); null for not-found answers. */
  answer_id: number | null;
}

// Every field of the interface is in the list: the compiler stops a column added to one but not the other.
type NoneLeftOut<T extends never> = T;
export type EveryColumnListed = NoneLeftOut<Exclude<keyof VtResultColumns<string>, VtResultColumn>>;

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** The columns as the app names them (camelCase), `categories` read back into a list. */
export type VtResult<V extends string> = {
  [C in VtResultColumn as CamelCase<C>]: C extends 'categories' ? string[] | null : VtResultColumns<V>[C];
};

export type VtResultField = keyof VtResult<string>;

const camelCase = <C extends VtResultColumn>(column: C) => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()) as CamelCase<C>;
const FIELDS = VT_RESULT_COLUMNS.map((column) => [column, camelCase(column)] as const);
const COLUMN_OF = Object.fromEntries(FIELDS.map(([column, field]) => [field, column])) as Record<VtResultField, VtResultColumn>;

/** The columns' camelCase names, in the list's order. */
export const VT_RESULT_FIELDS: readonly VtResultField[] = FIELDS.map(([, field]) => field);

/** The row's (or the entry's) answer columns in camelCase, in the list's order. */
export function toVtResult<V extends string>(row: VtResultColumns<V>): VtResult<V> {
  return pickVtResult(row, VT_RESULT_FIELDS) as VtResult<V>;
}

/** The answer columns named by `fields`, in camelCase, in the order of `fields`. */
export function pickVtResult<V extends string, F extends VtResultField>(row: VtResultColumns<V>, fields: readonly F[]): Pick<VtResult<V>, F> {
  const picked = fields.map((field) => {
    const column = COLUMN_OF[field];
    return [field, column === 'categories' ? categoriesOf(row.categories) : row[column]];
  });
  return Object.fromEntries(picked) as Pick<VtResult<V>, F>;
}

/** The columns to store for an answer given in camelCase (a normalised object with its verdict and answer id). */
export function toVtResultColumns<V extends string>(result: VtResult<V>): VtResultColumns<V> {
  return Object.fromEntries(
    FIELDS.map(([column, field]) => [column, column === 'categories' ? (result.categories === null ? null : JSON.stringify(result.categories)) : result[field]]),
  ) as unknown as VtResultColumns<V>;
}

/** The `categories` column (a JSON array of names) read back; null when it holds none or garbage. */
export function categoriesOf(text: string | null): string[] | null {
  if (text == null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : null;
  } catch {
    return null;
  }
}

/** Every answer column but those `kept`, set to null: what an answer without those facts stores. */
export function clearedColumns<K extends VtResultColumn>(kept: readonly K[]): Record<Exclude<VtResultColumn, K>, null> {
  const cleared = VT_RESULT_COLUMNS.filter((column) => !(kept as readonly VtResultColumn[]).includes(column));
  return Object.fromEntries(cleared.map((column) => [column, null])) as Record<Exclude<VtResultColumn, K>, null>;
}
