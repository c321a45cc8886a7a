import type { Generated, Insertable, Selectable } from 'kysely';

export interface UserTable {
  id: Generated<number>;
  /** Stored lowercased, so one address is one account. */
  email: string;
  password_hash: string;
  created_at: number;
  /** Set when an admin switched the account off. */
  disabled_at: number | null;
}

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;

export interface SessionTable {
  sid: string;
  sess: string;
  expires: number;
}

export interface AppSettingTable {
  key: string;
  value: string;
}
