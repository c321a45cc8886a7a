import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../shared/database.js';
import type { QueryRunner } from '../shared/read-pool.js';
import type { Database } from '../shared/schema.js';
import type { VerdictCounts } from './report-counts.repository.js';
import type { ItemSort } from './report.schemas.js';
import type { ReportItemRow, Verdict } from './report.table.js';

// A page of a report's rows as a range of an index (migration 2026-12-06T20.10.00): it starts at a
// row (the cursor in the page's links) and reads forward or backward from it, so a page deep in a
// million rows costs what the first page costs. A jump to page N finds its first row by walking
// index entries, never rows.

/** One sort key: an expression the index holds, its direction, and its value in a row. */
interface Key {
  expr: RawBuilder<unknown>;
  desc: boolean;
  of: (row: ReportItemRow) => number | string;
}

// The same expressions as the indexes, written alike so SQLite's planner matches them.
const LINE: Key = { expr: sql`line`, desc: false, of: (r) => r.line };
const MALICIOUS: Key = { expr: sql`coalesce(malicious, -1)`, desc: true, of: (r) => r.malicious ?? -1 };
const SUSPICIOUS: Key = { expr: sql`coalesce(suspicious, -1)`, desc: true, of: (r) => r.suspicious ?? -1 };
const ANALYSED: Key = { expr: sql`coalesce(last_analysis_date, '')`, desc: true, of: (r) => r.last_analysis_date ?? '' };

const KEYS: Record<ItemSort, Key[]> = {
  line: [LINE],
  detections: [MALICIOUS, SUSPICIOUS, LINE],
  last_analysis: [ANALYSED, LINE],
  // Within one verdict; the verdicts themselves follow SEVERITY.
  verdict: [MALICIOUS, SUSPICIOUS, LINE],
};

/** Most severe first for a sort by verdict; not found before clean, since VirusTotal not knowing a file proves nothing. */
export const SEVERITY: readonly Verdict[] = ['malicious', 'suspicious', 'error', 'not_found', 'pending', 'not_suspicious', 'clean', 'invalid'];

/** Where a page starts: the sort keys of a row (its own, or of the first row of page N). */
export type Position = { verdict: Verdict | null; values: Array<number | string> };

/** Which rows, in which order: all of one stream is one index range (one verdict, or every verdict of the filter). */
interface Stream {
  reportId: string;
  verdicts: readonly Verdict[];
  keys: Key[];
}

export interface PageRequest {
  reportId: string;
  verdicts: readonly Verdict[];
  sort: ItemSort;
  limit: number;
}

/** The sort key values of `row` in `sort`'s order: a cursor to read on from. */
export const positionOf = (row: ReportItemRow, sort: ItemSort): Position => ({ verdict: row.verdict, values: KEYS[sort].map((k) => k.of(row)) });

/**
 * The stream's rows. `checkVerdicts`: several verdicts are checked on each entry of the order's own
 * index, never searched as ranges of the verdict index (whose ranges would then be merged and
 * sorted: SQLite chose them for a walk that reads sort keys only).
 */
function inStream(eb: ExpressionBuilder<Database, 'report_items'>, stream: Stream, checkVerdicts = false): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [eb('report_id', '=', stream.reportId)];
  if (stream.verdicts.length === 1) conditions.push(eb('verdict', '=', stream.verdicts[0]!));
  else if (stream.verdicts.length > 1 && checkVerdicts) conditions.push(sql<SqlBool>`(verdict || '') IN (${sql.join(stream.verdicts)})`);
  else if (stream.verdicts.length > 1) conditions.push(eb('verdict', 'in', stream.verdicts));
  return eb.and(conditions);
}

type Query = SelectQueryBuilder<Database, 'report_items', ReportItemRow>;
type KeyQuery = SelectQueryBuilder<Database, 'report_items', Record<string, number | string>>;

function ordered(query: Query, keys: Key[], backward: boolean): Query {
  return keys.reduce((q, key) => q.orderBy(key.expr, key.desc !== backward ? 'desc' : 'asc'), query);
}

/**
 * Up to `limit` rows of the stream from `from` on (backward: before it, nearest first). After a
 * position is a union of ranges, one per key: the rows equal on the keys before it and past it on
 * this one. Each is a range of the index in its order, so none reads more than `limit` rows.
 */
async function readStream(db: Executor, reads: QueryRunner, stream: Stream, from: Position | null, inclusive: boolean, backward: boolean, limit: number): Promise<ReportItemRow[]> {
  const base = db.selectFrom('report_items').selectAll().where((eb) => inStream(eb, stream));
  if (!from) return reads.all(ordered(base, stream.keys, backward).limit(limit).compile());
  const branches = stream.keys.map((key, i) => {
    const last = i === stream.keys.length - 1;
    const beyond = key.desc !== backward ? '<' : '>';
    const op = last && inclusive ? `${beyond}=` : beyond;
    let branch = base;
    for (const [j, earlier] of stream.keys.slice(0, i).entries()) branch = branch.where(sql<SqlBool>`${earlier.expr} = ${from.values[j]}`);
    branch = branch.where(sql<SqlBool>`${key.expr} ${sql.raw(op)} ${from.values[i]}`);
    return db.selectFrom(ordered(branch, stream.keys.slice(i), backward).limit(limit).as(`b${i}`)).selectAll();
  });
  const union = branches.slice(1).reduce((q, b) => q.unionAll(b), branches[0]!);
  const page = db.selectFrom(union.as('page')).selectAll() as unknown as Query;
  return reads.all(ordered(page, stream.keys, backward).limit(limit).compile());
}

/** The streams a page reads in turn: one, or for the verdict sort one per verdict, most severe first. */
function streamsOf(request: PageRequest): Stream[] {
  const keys = KEYS[request.sort];
  if (request.sort !== 'verdict') return [{ reportId: request.reportId, verdicts: request.verdicts, keys }];
  const wanted = request.verdicts.length > 0 ? request.verdicts : SEVERITY;
  return SEVERITY.filter((v) => wanted.includes(v)).map((v) => ({ reportId: request.reportId, verdicts: [v], keys }));
}

/**
 * Up to `limit` rows from `from` (or from the first row; backward: the rows before it, returned in
 * page order). For the verdict sort, from the position's verdict on to the next ones.
 */
export async function readPage(db: Executor, reads: QueryRunner, request: PageRequest, from: Position | null, options: { inclusive?: boolean; backward?: boolean } = {}): Promise<ReportItemRow[]> {
  const backward = options.backward ?? false;
  let streams = streamsOf(request);
  if (backward) streams = streams.reverse();
  // The verdict sort starts at the position's verdict; a row whose verdict has left the filter since
  // (it was answered) starts at the next verdict in the order, from its first row.
  const rank = (v: Verdict | null) => SEVERITY.indexOf(v ?? 'malicious') * (backward ? -1 : 1);
  const byVerdict = from?.verdict != null && request.sort === 'verdict';
  const rows: ReportItemRow[] = [];
  for (const stream of streams) {
    const verdict = stream.verdicts[0] ?? null;
    if ((byVerdict && rank(verdict) < rank(from.verdict)) || rows.length >= request.limit) continue;
    const at = !byVerdict || verdict === from.verdict ? from : null;
    rows.push(...(await readStream(db, reads, stream, at, options.inclusive ?? false, backward, request.limit - rows.length)));
  }
  return backward ? rows.reverse() : rows;
}

/** Where landmarks help (see positionAt); tests make them small to exercise them on small reports. */
export interface LandmarkOptions {
  /** One landmark every `every` rows of a stream at least; more apart in a stream of over MOST_LANDMARKS · `every` rows. */
  every: number;
  /** A jump walks at most this far without them (a short walk costs less than building them). */
  walkUpTo: number;
}

const LANDMARKS: LandmarkOptions = { every: 1000, walkUpTo: 20_000 };
/** Each landmark costs a query to build: a million rows get 256 of them, 3,907 apart. */
const MOST_LANDMARKS = 256;

/**
 * Where page `offset / limit + 1` starts: the sort keys of the row `offset` rows in, read from the
 * index alone (its entries are walked, no row is read). The verdict sort skips whole verdicts by
 * their kept counts. A deep jump starts from the nearest landmark before it (the keys of every
 * `every`-th row, kept per report revision) and walks fewer than `every` entries. Null past the last row.
 */
export async function positionAt(db: Executor, reads: QueryRunner, request: PageRequest, offset: number, counts: VerdictCounts, landmarks = LANDMARKS): Promise<Position | null> {
  let skip = offset;
  for (const stream of streamsOf(request)) {
    const verdict = request.sort === 'verdict' ? stream.verdicts[0]! : null;
    if (verdict) {
      const size = counts[verdict] ?? 0;
      if (skip >= size) {
        skip -= size;
        continue;
      }
    }
    const size = (stream.verdicts.length > 0 ? stream.verdicts : (Object.keys(counts) as Verdict[])).reduce((sum, v) => sum + (counts[v] ?? 0), 0);
    const every = Math.max(landmarks.every, Math.ceil(size / MOST_LANDMARKS));
    const marks = skip > landmarks.walkUpTo ? await landmarksOf(db, reads, stream, every) : null;
    const mark = marks ? Math.min(Math.floor(skip / every), marks.length - 1) : -1;
    const values = mark >= 0 ? await keysAt(db, reads, stream, marks![mark]!, skip - mark * every) : await keysAt(db, reads, stream, null, skip);
    return values && { verdict, values };
  }
  return null;
}

/**
 * The sort keys of the row `skip` rows from `from` (itself at 0), or from the stream's first row: a
 * walk of `skip` index entries. From a position the rows come in ranges, each wholly after the one
 * before: equal on every key and at or past it on the last, then equal on the keys but the last and
 * past it on the one before, and so on. Each range is walked (and counted when the row is not in it)
 * in turn: no merge of ranges to sort.
 */
async function keysAt(db: Executor, reads: QueryRunner, stream: Stream, from: Array<number | string> | null, skip: number): Promise<Array<number | string> | null> {
  const select = stream.keys.map((key, i) => sql`${key.expr}`.as(`k${i}`));
  const base = db.selectFrom('report_items').select(select).where((eb) => inStream(eb, stream, true)) as KeyQuery;
  const inOrder = (q: KeyQuery, keys: Key[]) => keys.reduce((o, key) => o.orderBy(key.expr, key.desc ? 'desc' : 'asc'), q);
  const at = async (q: KeyQuery, n: number) => {
    const [row] = await reads.all(q.limit(1).offset(n).compile());
    return row ? stream.keys.map((_, i) => row[`k${i}`]!) : null;
  };
  if (!from) return at(inOrder(base, stream.keys), skip);
  for (let i = stream.keys.length - 1; i >= 0; i--) {
    let range = base;
    for (const [j, earlier] of stream.keys.slice(0, i).entries()) range = range.where(sql<SqlBool>`${earlier.expr} = ${from[j]}`);
    const key = stream.keys[i]!;
    range = range.where(sql<SqlBool>`${key.expr} ${sql.raw(`${key.desc ? '<' : '>'}${i === stream.keys.length - 1 ? '=' : ''}`)} ${from[i]}`);
    const ordered = inOrder(range, stream.keys.slice(i));
    const found = await at(ordered, skip);
    if (found || i === 0) return found;
    // The row is past this range, which holds `skip` rows at most. Counted in the index's order, so
    // the count stops at the limit (unordered, PostgreSQL may gather the whole range in a bitmap).
    const [counted] = await reads.all(db.selectFrom(ordered.limit(skip + 1).as('r')).select((eb) => eb.fn.countAll<number>().as('n')).compile());
    skip -= Number(counted?.n ?? 0);
  }
  return null;
}

/** A stream's landmarks as last built: kept while the report's revision stays (rows changed, the revision moved). */
interface Landmarks {
  revision: number;
  builtAt: number;
  keys: Array<Array<number | string>>;
}

const KEPT_STREAMS = 32;
/** While a report changes (answers coming in), landmarks are built again at most this often; between, jumps walk. */
const REBUILD_AFTER_MS = 30_000;
const kept = new Map<string, Landmarks>();
const building = new Map<string, Promise<Array<Array<number | string>> | null>>();

/**
 * The keys of rows 0, `every`, 2·`every`, … of the stream, for the report's current revision. Null when they are
 * stale and were built less than REBUILD_AFTER_MS ago, or when the report changed while they were built.
 */
async function landmarksOf(db: Executor, reads: QueryRunner, stream: Stream, every: number): Promise<Array<Array<number | string>> | null> {
  const name = `${stream.reportId}|${stream.verdicts.join(',')}|${stream.keys.length}|${every}`;
  const revision = await revisionOf(db, stream.reportId);
  const found = kept.get(name);
  if (found?.revision === revision) return found.keys;
  if (found && Date.now() - found.builtAt < REBUILD_AFTER_MS) return null;
  // Jumps arriving while they are built wait for the same build.
  let build = building.get(name);
  if (!build) {
    build = buildLandmarks(db, reads, stream, every, revision, name).finally(() => building.delete(name));
    building.set(name, build);
  }
  return build;
}

async function buildLandmarks(db: Executor, reads: QueryRunner, stream: Stream, every: number, revision: number, name: string): Promise<Array<Array<number | string>> | null> {
  // Each landmark is a walk of `every` entries from the one before: a window numbering the entries
  // in one pass read the rows themselves on SQLite, several times slower.
  const keys: Array<Array<number | string>> = [];
  for (let mark = await keysAt(db, reads, stream, null, 0); mark; mark = await keysAt(db, reads, stream, mark, every)) keys.push(mark);
  // Rows changed meanwhile: the landmarks may mix both states. Kept as tried (a revision no report
  // has), so the next REBUILD_AFTER_MS of jumps walk instead of building again.
  const unchanged = (await revisionOf(db, stream.reportId)) === revision;
  kept.delete(name);
  kept.set(name, { revision: unchanged ? revision : Number.NaN, builtAt: Date.now(), keys });
  if (kept.size > KEPT_STREAMS) kept.delete(kept.keys().next().value!);
  return unchanged ? keys : null;
}

/** The report's revision in its kept counts: it moves with every change of a row's verdict, and a row's detections only change with its verdict. */
async function revisionOf(db: Executor, reportId: string): Promise<number> {
  const row = await db.selectFrom('report_counts').select('revision').where('report_id', '=', reportId).executeTakeFirst();
  return Number(row?.revision ?? -1);
}

/**
 * Rows `first`…`last` of the line order, when lines are 1…n: a closed range, which every planner
 * reads through (report_id, line) however stale its statistics (an open one after a fresh import of
 * a million rows was planned on PostgreSQL as a scan of the report and a sort).
 */
export async function readLines(db: Executor, reads: QueryRunner, reportId: string, first: number, last: number): Promise<ReportItemRow[]> {
  return reads.all(db.selectFrom('report_items').selectAll().where('report_id', '=', reportId).where('line', '>=', first).where('line', '<=', last).orderBy('line').compile());
}

/** The highest line of the report: when it equals the row count, lines are 1…n and page N of the line order starts at a known line. */
export async function lastLine(db: Executor, reportId: string): Promise<number> {
  const row = await db.selectFrom('report_items').select((eb) => eb.fn.max('line').as('last')).where('report_id', '=', reportId).executeTakeFirst();
  return Number(row?.last ?? 0);
}
