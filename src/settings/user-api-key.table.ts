import type { Selectable } from 'kysely';

/** A user's own VirusTotal key; the key itself only ever in encrypted form. */
export interface UserApiKeyTable {
  user_id: number;
  /** AES-256-GCM, see shared/secret-box.ts. */
  key_encrypted: string;
  /** Last four characters, for recognising the key; never more. */
  key_hint: string;
  /** The limiter's id for this key (see lookups/api-key.ts keyFingerprint). */
  fingerprint: string;
  per_minute: number;
  per_day: number;
  per_month: number | null;
  /** 1 when the shared keys may serve this user beside the personal key. */
  use_shared: number;
  created_at: number;
  updated_at: number;
}

export type UserApiKeyRow = Selectable<UserApiKeyTable>;
