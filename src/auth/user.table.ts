import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UserTable {
  id: Generated<number>;
  /** Stored lowercased, so one address is one account. */
  email: string;
  password_hash: string;
  created_at: number;
  /** Set when an admin switched the account off. */
  disabled_at: number | null;
  /** Sessions signed in before this are over (see web/session.ts). */
  password_changed_at: number | null;
  /** 1: the upload form's email box starts ticked. */
  notify_default: Generated<number>;
  /** What the "report ready" email carries: none | csv | pdf (see mail/report-attachment.ts). */
  email_attachment: Generated<string>;
}

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type UserUpdate = Updateable<UserTable>;

export interface SessionTable {
  sid: string;
  sess: string;
  expires: number;
}

export interface AppSettingTable {
  key: string;
  value: string;
}

/** One counter of sign-in or registration attempts; see auth/throttle.ts. */
export interface AuthThrottleTable {
  key: string;
  failures: number;
  first_at: number;
  next_allowed_at: number;
  locked_until: number;
}

export type AuthThrottleRow = Selectable<AuthThrottleTable>;
