import type { Generated, Selectable } from 'kysely';
import type { LookupType } from './lookup.types.js';
import type { VtResultColumns } from './vt-result.columns.js';

/** Files are malicious, suspicious or clean; domains and IPs are suspicious or not_suspicious. */
export type CachedVerdict = 'malicious' | 'suspicious' | 'clean' | 'not_suspicious' | 'not_found';

/** A VirusTotal answer, flattened so a report can copy it with one set-based UPDATE (its columns: vt-result.columns.ts). */
export interface CacheEntryTable extends VtResultColumns<CachedVerdict> {
  /** The file's SHA-256 when VirusTotal knew it; the queried hash when it answered 404; the domain or IP. */
  key: string;
  /** Files only, and not copied into report rows. */
  type_description: string | null;
  size: number | null;
  fetched_at: number;
  /** 1: the answer came from a VirusTotal feed (feeds/), not from a lookup. */
  from_feed: Generated<number>;
}

/** VirusTotal's whole answer for one fetch of a file, domain or IP, gzipped JSON, as it came. */
export interface VtAnswerTable {
  id: Generated<number>;
  /** The object's id: a file's SHA-256, the domain or the IP (the column predates domains). */
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
  /** The lookup value: a hash, a domain or an IP. */
  hash: string;
  hash_type: LookupType;
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
