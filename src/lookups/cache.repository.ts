import type { Executor } from '../shared/database.js';
import type { ObjectSummary } from './lookup.types.js';
import { verdictOf, type Thresholds } from './verdict.js';
import { clearedColumns, toVtResultColumns } from './vt-result.columns.js';

/**
 * Stores a found object under VirusTotal's id (a file's SHA-256, the domain, the IP). A file's MD5,
 * SHA-1 and the queried hash become aliases; a domain or IP is its own alias. Returns the entry key.
 */
export async function upsertFoundEntry(
  db: Executor,
  queried: string,
  object: ObjectSummary,
  answer: Uint8Array,
  now: number,
  thresholds: Thresholds,
): Promise<string> {
  const stored = await db
    .insertInto('vt_answers')
    .values({ sha256: object.id, fetched_at: now, body_gzip: answer })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = {
    key: object.id,
    ...toVtResultColumns({ ...object, verdict: verdictOf(object, thresholds), answerId: stored.id }),
    type_description: object.typeDescription,
    size: object.size,
    fetched_at: now,
    from_feed: 0,
  };
  await db.insertInto('cache_entries').values(row).onConflict((oc) => oc.column('key').doUpdateSet(row)).execute();
  const aliases = [...new Set([object.id, object.sha1, object.md5, queried].filter((h): h is string => !!h))];
  await upsertAliases(db, aliases, object.id);
  return object.id;
}

/**
 * What a not-found answer clears of a found one it replaces. The file's name (and the cache-only type
 * and size) stay; the rows a not-found entry answers never take the name (row-resolution.repository.ts).
 */
const NOT_FOUND_CLEARS = clearedColumns(['verdict', 'meaningful_name']);

/** Remembers that VirusTotal does not know `hash` (or domain, or IP); not-found answers are cached like any other. */
export async function upsertNotFoundEntry(db: Executor, hash: string, now: number): Promise<string> {
  const row = { key: hash, verdict: 'not_found' as const, fetched_at: now, from_feed: 0 };
  await db
    .insertInto('cache_entries')
    .values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet({ ...row, ...NOT_FOUND_CLEARS }))
    .execute();
  await upsertAliases(db, [hash], hash);
  return hash;
}

async function upsertAliases(db: Executor, hashes: string[], entryKey: string): Promise<void> {
  await db
    .insertInto('cache_aliases')
    .values(hashes.map((hash) => ({ hash, entry_key: entryKey })))
    .onConflict((oc) => oc.column('hash').doUpdateSet({ entry_key: entryKey }))
    .execute();
}

/** The fresh entry a hash leads to, if any. */
export async function findFreshEntryKey(db: Executor, hash: string, freshAfter: number): Promise<string | null> {
  const row = await db
    .selectFrom('cache_aliases as a')
    .innerJoin('cache_entries as e', 'e.key', 'a.entry_key')
    .select('e.key')
    .where('a.hash', '=', hash)
    .where('e.fetched_at', '>', freshAfter)
    .executeTakeFirst();
  return row?.key ?? null;
}

/** All hashes that lead to an entry. */
export async function findEntry(db: Executor, key: string) {
  return db.selectFrom('cache_entries').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function aliasesOf(db: Executor, entryKey: string): Promise<string[]> {
  const rows = await db.selectFrom('cache_aliases').select('hash').where('entry_key', '=', entryKey).execute();
  return rows.map((r) => r.hash);
}

/** A stored whole answer, still gzipped. */
export async function findAnswerBody(db: Executor, id: number): Promise<Uint8Array | null> {
  const row = await db.selectFrom('vt_answers').select('body_gzip').where('id', '=', id).executeTakeFirst();
  return row?.body_gzip ?? null;
}

/** Whole answers that neither a cache entry nor a report row points at any more; returns how many went. */
export async function deleteUnreferencedAnswers(db: Executor): Promise<number> {
  const result = await db
    .deleteFrom('vt_answers')
    .where((eb) =>
      eb.and([
        eb.not(eb.exists(eb.selectFrom('cache_entries').select('key').whereRef('cache_entries.answer_id', '=', 'vt_answers.id'))),
        eb.not(eb.exists(eb.selectFrom('report_items').select('id').whereRef('report_items.answer_id', '=', 'vt_answers.id'))),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes entries fetched at or before `cutoff` (their aliases go with them); returns how many. */
export async function deleteEntriesFetchedBefore(db: Executor, cutoff: number): Promise<number> {
  const result = await db.deleteFrom('cache_entries').where('fetched_at', '<=', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
