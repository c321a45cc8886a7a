import type { Generated, Insertable, Selectable } from 'kysely';

/** A personal token of the JSON API; the token itself is never stored, only its SHA-256. */
export interface ApiTokenTable {
  id: Generated<number>;
  user_id: number;
  /** What the user called it ("SOAR playbook"), to know which one to revoke. */
  name: string;
  /** Lowercase hex SHA-256 of the whole token: the lookup key at each request. */
  token_sha256: string;
  /** Last four characters of the token. */
  hint: string;
  created_at: number;
  /** Updated at most once a minute (see api-token.service.ts). */
  last_used_at: number | null;
  revoked_at: number | null;
}

export type ApiTokenRow = Selectable<ApiTokenTable>;
export type NewApiTokenRow = Insertable<ApiTokenTable>;
