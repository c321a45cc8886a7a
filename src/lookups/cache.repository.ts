import type { Db } from '../shared/database.js';
import type { Transaction } from 'kysely';
import type { Database } from '../shared/schema.js';
import type { FileVerdict } from './lookup.types.js';
import { verdictOf } from './verdict.js';

type Executor = Db | Transaction<Database>;

/** Stores a found file under its SHA-256 with MD5, SHA-1 and the queried hash as aliases; returns the entry key. */
export async function upsertFoundEntry(db: Executor, queried: string, file: FileVerdict, answer: Uint8Array, now: number): Promise<string> {
  const stored = await db
    .insertInto('vt_answers')
    .values({ sha256: file.sha256, fetched_at: now, body_gzip: answer })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = {
    key: file.sha256,
    verdict: verdictOf(file),
    sha256: file.sha256,
    sha1: file.sha1,
    md5: file.md5,
    malicious: file.malicious,
    suspicious: file.suspicious,
    undetected: file.undetected,
    harmless: file.harmless,
    engines: file.engines,
    fortinet: file.fortinet,
    last_analysis_date: file.lastAnalysisDate,
    meaningful_name: file.meaningfulName,
    type_description: file.typeDescription,
    size: file.size,
    fetched_at: now,
    answer_id: stored.id,
  };
  await db.insertInto('cache_entries').values(row).onConflict((oc) => oc.column('key').doUpdateSet(row)).execute();
  const aliases = [...new Set([file.sha256, file.sha1, file.md5, queried].filter((h): h is string => !!h))];
  await upsertAliases(db, aliases, file.sha256);
  return file.sha256;
}

/** Remembers that VirusTotal does not know `hash`; not-found answers are cached like any other. */
export async function upsertNotFoundEntry(db: Executor, hash: string, now: number): Promise<string> {
  const row = { key: hash, verdict: 'not_found' as const, fetched_at: now };
  await db
    .insertInto('cache_entries')
    .values(row)
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({ ...row, sha256: null, sha1: null, md5: null, malicious: null, suspicious: null, undetected: null, harmless: null, engines: null, fortinet: null, last_analysis_date: null, answer_id: null }),
    )
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
