import type { Db, Executor } from '../shared/database.js';
import { revokeTokensOfUser } from '../api/api-token.repository.js';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../shared/errors.js';
import type { ChangePasswordInput, LoginInput, RegisterInput } from './auth.schemas.js';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './password.js';
import type { AuthLimits } from './throttle.js';
import { claimAttempt, forgiveSignIn, registerCounter, REGISTER_REFUSED, SIGN_IN_REFUSED, signInCounters } from './throttle.service.js';
import * as users from './user.repository.js';
import { findConfirmationByEmail } from './email-confirmation.repository.js';
import type { UserRow } from './user.table.js';

export interface CurrentUser {
  id: number;
  email: string;
  /** The upload form's email box starts ticked (Settings). */
  notifyDefault: boolean;
  /** Granted the admin role (`npm run admin -- grant`); see admin.service.ts isAdmin for ADMIN_EMAILS. */
  adminRole: boolean;
  /** The owner opened a link sent to the address; only then does email go to it. */
  emailConfirmed: boolean;
}

/** Who is trying: the counter key of the client's address (throttle.ts addressKey) and the limits in force. */
export interface Attempt {
  address: string;
  limits: AuthLimits;
}

const rowToCurrentUser = (row: UserRow): CurrentUser => ({
  id: row.id,
  email: row.email,
  notifyDefault: row.notify_default === 1,
  adminRole: row.is_admin === 1,
  emailConfirmed: row.email_confirmed_at != null,
});

export const CONFIRM_FIRST =
  'Confirm your address first: open the link we emailed to you. No email, or the link expired? Create the account again with the same address to get a new link.';

/** Registration without email: the account is made and signed in at once (see email-confirmation.service.ts for the other way). */

export async function register(db: Db, input: RegisterInput, attempt: Attempt, now = Date.now()): Promise<CurrentUser> {
  // Counted before the email check too: the "already exists" answer would otherwise test addresses for free.
  await claimAttempt(db, [registerCounter(attempt.limits, attempt.address)], REGISTER_REFUSED, now);
  if (await users.findUserByEmail(db, input.email)) {
    throw new ConflictError('An account with this email already exists. Log in instead.', { email: 'Already registered.' });
  }
  const passwordHash = await hashPassword(input.password);
  try {
    return rowToCurrentUser(await users.insertUser(db, { email: input.email, password_hash: passwordHash, created_at: now }));
  } catch (err) {
    // Two registrations raced past the check above; the unique index decides.
    if (err instanceof Error && /UNIQUE/.test(err.message)) {
      throw new ConflictError('An account with this email already exists. Log in instead.', { email: 'Already registered.' });
    }
    throw err;
  }
}

/**
 * The same message, and about the same time, whether the email is unknown or the password wrong:
 * both are counted and both run argon2. Refused attempts run neither and cost next to nothing.
 */
export async function authenticate(db: Db, input: LoginInput, attempt: Attempt): Promise<CurrentUser> {
  const counters = signInCounters(attempt.limits, input.email, attempt.address);
  await claimAttempt(db, [counters.account, counters.address], SIGN_IN_REFUSED);
  const user = await users.findUserByEmail(db, input.email);
  // A registration waiting for its link has no account yet, but its password is checked all the same.
  const pending = user ? undefined : await findConfirmationByEmail(db, input.email);
  const ok = await verifyPassword(user?.password_hash ?? pending?.password_hash ?? (await dummyPasswordHash()), input.password);
  // Only to whoever knows the password chosen: anyone else learns nothing about the address.
  if (!user && pending?.password_hash && ok) throw new UnauthorizedError(CONFIRM_FIRST);
  if (!user || !ok) throw new UnauthorizedError('Wrong email or password.');
  await forgiveSignIn(db, counters);
  await upgradeHash(db, user, input.password);
  // Only after the right password: telling anyone else the account exists would help them guess.
  if (user.disabled_at != null) throw new UnauthorizedError('This account is disabled. Ask an administrator.');
  return rowToCurrentUser(user);
}

/** Hashes made with weaker (or just older) parameters are redone while the password is at hand. */
async function upgradeHash(db: Db, user: UserRow, password: string): Promise<void> {
  if (!needsRehash(user.password_hash)) return;
  await users.updateUser(db, user.id, { password_hash: await hashPassword(password) });
}

/**
 * Checks a signed-in user's password before a change that needs it. Counted like a sign-in, so a
 * stolen session cannot guess it freely; a wrong one is a ValidationError on the form's `field`.
 */
export async function confirmPassword(db: Db, user: UserRow, given: { field: string; password: string }, attempt: Attempt, now = Date.now()): Promise<void> {
  const counters = signInCounters(attempt.limits, user.email, attempt.address);
  await claimAttempt(db, [counters.account, counters.address], SIGN_IN_REFUSED, now);
  if (!(await verifyPassword(user.password_hash, given.password))) {
    throw new ValidationError('Your current password is not right.', { [given.field]: 'This is not your current password.' });
  }
  await forgiveSignIn(db, counters);
}

/**
 * Sets a new password after checking the current one (counted like a sign-in, so a stolen session
 * cannot guess it freely) and ends every session of the user; the caller starts a new one.
 */
export async function changePassword(db: Db, userId: number, input: ChangePasswordInput, attempt: Attempt, now = Date.now()): Promise<void> {
  const user = await users.findUserById(db, userId);
  if (!user) throw new NotFoundError();
  await confirmPassword(db, user, { field: 'currentPassword', password: input.currentPassword }, attempt, now);
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction().execute(async (trx) => {
    await users.updateUser(trx, userId, { password_hash: passwordHash, password_changed_at: now });
    await endAccessOf(trx, userId, now);
  });
}

/**
 * Every way in that the account had, gone: its sessions and its API tokens. After a password change
 * (whoever knew the old one may have made a token with it) and when an account is disabled (enabling
 * it again must not bring back what was open then).
 */
export async function endAccessOf(trx: Executor, userId: number, now: number): Promise<void> {
  await users.deleteSessionsOfUser(trx, userId);
  await revokeTokensOfUser(trx, userId, now);
}

export async function findCurrentUser(db: Db, id: number): Promise<CurrentUser | null> {
  const row = await users.findUserById(db, id);
  // A disabled account's sessions end with the next request.
  return row && row.disabled_at == null ? rowToCurrentUser(row) : null;
}

/**
 * The user of a session begun at `signedInAt`, from one read of their row: 'ended' when the account
 * is gone or its password changed after this sign-in, 'revoked' when an admin disabled the account
 * after it (either way the session is over, wherever it is, even once the account is enabled again),
 * null when the account is disabled.
 */
export async function findSessionUser(db: Db, userId: number, signedInAt: number): Promise<CurrentUser | null | 'ended' | 'revoked'> {
  const row = await users.findUserById(db, userId);
  if (row === undefined || (row.password_changed_at ?? 0) > signedInAt) return 'ended';
  if ((row.sessions_revoked_at ?? 0) > signedInAt) return 'revoked';
  return row.disabled_at == null ? rowToCurrentUser(row) : null;
}
