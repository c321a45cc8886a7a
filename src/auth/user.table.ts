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
  /** Sessions signed in before this are over too: set when an admin disables the account. */
  sessions_revoked_at: number | null;
  /** 1: the upload form's email box starts ticked. */
  notify_default: Generated<number>;
  /** What the "report ready" email carries: none | csv | pdf (see mail/report-attachment.ts). */
  email_attachment: Generated<string>;
  /** 1: an admin, granted with `npm run admin -- grant EMAIL`. */
  is_admin: Generated<number>;
  /** When the owner opened the link sent to the address; null until then (see email-confirmation.service.ts). */
  email_confirmed_at: number | null;
}

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type UserUpdate = Updateable<UserTable>;

/**
 * A confirmation link waiting to be used, one per address. With a password hash it is a
 * registration (the account is made when the link is used); without, an existing account's address.
 */
export interface EmailConfirmationTable {
  email: string;
  /** SHA-256 (hex) of the token in the link; the token itself is only in the email. */
  token_sha256: string;
  password_hash: string | null;
  created_at: number;
  expires_at: number;
}

export type EmailConfirmationRow = Selectable<EmailConfirmationTable>;

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
