import type { Generated, Selectable } from 'kysely';
import type { HashType } from './lookup.types.js';

export type CachedVerdict = 'malicious' | 'suspicious' | 'clean' | 'not_found';

/** A VirusTotal answer, flattened so a report can copy it with one set-based UPDATE. */
export interface CacheEntryTable {
  /** The file's SHA-256 when VirusTotal knew it; the queried hash when it answered 404. */
  key: string;
  verdict: CachedVerdict;
  sha256: string | null;
  sha1: string | null;
  md5: string | null;
  malicious: number | null;
  suspicious: number | null;
  undetected: number | null;
  harmless: number | null;
  engines: number | null;
  fortinet: string | null;
  last_analysis_date: string | null;
  meaningful_name: string | null;
  type_description: string | null;
  size: number | null;
  fetched_at: number;
  /** The whole answer this entry came from (vt_answers), null for not-found entries. */
  answer_id: number | null;
}

/** VirusTotal's whole answer for one fetch of a file, gzipped JSON, as it came. */
export interface VtAnswerTable {
  id: Generated<number>;
  sha256: string;
  fetched_at: number;
  body_gzip: Uint8Array;
}

export interface CacheAliasTable {
  hash: string;
  entry_key: string;
}

export type JobState = 'queued' | 'leased';

export interface LookupJobTable {
  id: Generated<number>;
  hash: string;
  hash_type: HashType;
  state: JobState;
  attempts: Generated<number>;
  not_before: Generated<number>;
  leased_until: number | null;
  last_error: string | null;
  created_at: number;
  /** Only a cache entry fetched at or after this may answer the job (a forced refresh); 0: any inside the TTL. */
  fresh_after: Generated<number>;
}

export interface VtCallTable {
  id: Generated<number>;
  key_id: string;
  at: number;
}

export type LookupJobRow = Selectable<LookupJobTable>;
