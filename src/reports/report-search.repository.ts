import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import { databaseDialect, type Executor } from '../shared/database.js';
import type { Database } from '../shared/schema.js';
import type { ItemFilter } from './report.schemas.js';
import { searchTerms } from './search-terms.js';

// The report page's search (`?q=`) as ranges of indexes (migration 2026-12-06T21.10.00): each thing
// a query can be the start of (the value, the input as written, the SHA-256, SHA-1 and MD5, the
// file's name) is one range, read from the report's own entries of its index, so a search reads its
// matches and never the rest of the report. The matches are the union of the ranges.

/** `text` escaped for a LIKE pattern, so it matches itself literally: file names are full of underscores. */
export const likeLiteral = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** Lower case as SQLite's lower() and a C-collated PostgreSQL's make it: ASCII letters only. */
const asciiLower = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The first string after every string that starts with `prefix`, bytewise (UTF-8 orders as code points). */
function pastPrefix(prefix: string): string {
  const points = [...prefix];
  const last = points.pop()!.codePointAt(0)!;
  // Past the surrogates, which are no characters of their own.
  const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
  return points.join('') + String.fromCodePoint(Math.min(next, 0x10ffff));
}

/** One place a query can match: the expression an index holds, and the condition that index covers (partial ones). */
interface Target {
  expr: (postgres: boolean) => RawBuilder<string>;
  within?: RawBuilder<SqlBool>;
}

// PostgreSQL compares bytewise (COLLATE "C", as the new indexes do) or, on the value and SHA-256
// (older indexes in the database's collation), in that collation; a LIKE on each range keeps only
// true prefixes either way.
const column = (name: string, collated: boolean): Target => ({ expr: (postgres) => sql`${sql.ref(name)}${sql.raw(postgres && collated ? ' COLLATE "C"' : '')}` });
const lowered = (name: string, within?: RawBuilder<SqlBool>): Target => ({
  expr: (postgres) => sql`lower(${sql.ref(name)})${sql.raw(postgres ? ' COLLATE "C"' : '')}`,
  within,
});

const VALUE = column('hash', false);
const VALUES: Target[] = [VALUE, column('sha256', false), column('sha1', true), column('md5', true)];
// The input is indexed apart only where it differs from the value: elsewhere the value's range finds it.
const INPUT = lowered('input', sql<SqlBool>`(hash IS NULL OR input <> hash)`);
const NAME = lowered('meaningful_name', sql<SqlBool>`meaningful_name IS NOT NULL`);

interface Branch {
  target: Target;
  prefix?: string;
  equals?: string;
}

/** Where a query can match: prefixes of the value columns (as typed, and refanged), of the input and the name, and a whole URL's host. */
function branchesOf(q: string): Branch[] {
  const terms = searchTerms(q);
  const typed = asciiLower(terms.text);
  const prefixes = [...new Set([typed, asciiLower(terms.normalised)])];
  const branches: Branch[] = VALUES.flatMap((target) => prefixes.map((prefix) => ({ target, prefix })));
  branches.push({ target: INPUT, prefix: typed }, { target: NAME, prefix: typed });
  const whole = terms.value?.value;
  if (whole && !prefixes.includes(whole)) branches.push(...VALUES.map((target) => ({ target, equals: whole })));
  return branches;
}

/**
 * The ids of the report's rows the search `filter.q` matches (with its verdicts), as a union of
 * index ranges; with `cap`, each range reads at most `cap` entries, so no search reads more than a
 * few thousand whatever it matches (a page of a search shows `cap` of its matches at most).
 */
export function matchingIds(db: Executor, reportId: string, filter: ItemFilter, cap?: number) {
  const postgres = databaseDialect(db) === 'postgres';
  const queries = branchesOf(filter.q).map(({ target, prefix, equals }) => {
    const expr = target.expr(postgres);
    let query = db.selectFrom('report_items').select('id').where('report_id', '=', reportId);
    if (filter.verdict.length > 0) query = query.where('verdict', 'in', filter.verdict);
    if (target.within) query = query.where(target.within);
    if (equals !== undefined) query = query.where(sql<SqlBool>`${expr} = ${equals}`);
    else if (prefix !== undefined) {
      query = query.where(sql<SqlBool>`${expr} >= ${prefix}`).where(sql<SqlBool>`${expr} < ${pastPrefix(prefix)}`);
      // Exact in any collation: the range picks the entries, the LIKE keeps true prefixes only.
      query = query.where(sql<SqlBool>`${expr} LIKE ${`${likeLiteral(prefix)}%`} ESCAPE '\\'`);
    }
    // SQLite takes no LIMIT on a member of a union: each range is a subquery of its own.
    return db.selectFrom((cap === undefined ? query : query.orderBy(expr).limit(cap)).as('b')).select('id');
  });
  return queries.slice(1).reduce((union, q) => union.union(q), queries[0]!);
}

/** The condition of a search: the row is one of its matches. */
export function searchMatches(db: Executor, eb: ExpressionBuilder<Database, 'report_items'>, reportId: string, filter: ItemFilter, cap?: number): Expression<SqlBool> {
  return eb('id', 'in', matchingIds(db, reportId, filter, cap));
}
