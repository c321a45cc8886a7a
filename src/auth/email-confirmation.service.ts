import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../shared/database.js';
import { AppError, ConflictError, NotFoundError, UpstreamError, ValidationError } from '../shared/errors.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import { accountExistsMessage, confirmEmailMessage } from '../mail/confirmation-emails.js';
import type { Attempt } from './auth.service.js';
import type { RegisterInput } from './auth.schemas.js';
import * as confirmations from './email-confirmation.repository.js';
import { hashPassword, verifyPassword } from './password.js';
import type { ThrottlePolicy } from './throttle.js';
import { claimAttempt, forgiveSignIn, registerCounter, REGISTER_REFUSED, SIGN_IN_REFUSED, signInCounters } from './throttle.service.js';
import * as users from './user.repository.js';

// Registration when email is on: the account is made only when the owner of the address opens
// the link sent to it and types the password chosen at registration. Asking for the password
// there (not only opening the link) means a link someone else triggered gives its reader nothing
// to click away, and a mail scanner that opens every link confirms nothing.

export const CONFIRMATION_HOURS = 24;
const CONFIRMATION_MS = CONFIRMATION_HOURS * 3_600_000;
const MINUTE_MS = 60_000;
/** One link a minute from Settings, like the test email. */
const RESEND_LIMIT: ThrottlePolicy = { free: 0, baseDelayMs: MINUTE_MS, lockAfter: Number.MAX_SAFE_INTEGER, lockMs: MINUTE_MS, windowMs: MINUTE_MS };

export const LINK_INVALID =
  'This link no longer works: it was used already, a newer link was sent, or it is more than 24 hours old. To get a new one, create the account again with the same address (or, signed in, use Settings).';

/** The mailer and the app's public URL, for the links. */
export interface ConfirmationMail {
  mailer: Mailer;
  appUrl: string;
}

/** What the confirmation page shows for a link that works. */
export interface PendingConfirmation {
  email: string;
  /** True when the account is made by confirming; false for an existing account's address. */
  registration: boolean;
}

/**
 * Registration with email on. The answer is the same whether the address is new, has an account,
 * or waits for its link: one email to the address (a link, or a note that the account exists),
 * one password hash, no sign-in. A new registration of a waiting address replaces its password
 * and link, so nobody can hold an address they cannot read.
 */
export async function registerByEmail(db: Db, input: RegisterInput, attempt: Attempt, mail: ConfirmationMail, now = Date.now()): Promise<void> {
  await claimAttempt(db, [registerCounter(attempt.limits, attempt.address)], REGISTER_REFUSED, now);
  // Hashed in every case, so an existing address is not the quick answer.
  const passwordHash = await hashPassword(input.password);
  if (await users.findUserByEmail(db, input.email)) {
    await send(mail, await accountExistsMessage({ to: input.email, appUrl: mail.appUrl }));
    return;
  }
  await sendLink(db, mail, { email: input.email, passwordHash }, now);
}

/** Settings: a link for a signed-in user whose address was never confirmed (made before email was on). */
export async function requestConfirmation(db: Db, mail: ConfirmationMail | null, userId: number, now = Date.now()): Promise<string> {
  if (!mail) throw new ConflictError('Email is not set up on this server (SMTP_URL is unset), so no address can be confirmed.');
  const user = await users.findUserById(db, userId);
  if (!user) throw new NotFoundError();
  if (user.email_confirmed_at != null) throw new ConflictError('Your address is already confirmed.');
  await claimAttempt(db, [{ key: `confirm-email:${userId}`, policy: RESEND_LIMIT }], 'A confirmation link was sent to you less than a minute ago.', now);
  await sendLink(db, mail, { email: user.email, passwordHash: null }, now);
  return user.email;
}

/** The link's address, or an error page when the link is unknown, used or expired. Changes nothing. */
export async function findPendingConfirmation(db: Db, token: string, now = Date.now()): Promise<PendingConfirmation> {
  const row = await findLiveRow(db, token, now);
  return { email: row.email, registration: row.password_hash != null };
}

/**
 * Uses the link: with the right password the address is confirmed (and, for a registration, the
 * account made). Counted like a sign-in to that address. Single use: the row goes in the same
 * transaction that confirms, and a second use finds nothing.
 */
export async function confirmEmail(db: Db, input: { token: string; password: string }, attempt: Attempt, now = Date.now()): Promise<string> {
  const row = await findLiveRow(db, input.token, now);
  const counters = signInCounters(attempt.limits, row.email, attempt.address);
  await claimAttempt(db, [counters.account, counters.address], SIGN_IN_REFUSED, now);
  const user = await users.findUserByEmail(db, row.email);
  if (row.password_hash != null && user) {
    // The account was made meanwhile (registration while email was off).
    await confirmations.deleteConfirmation(db, row.token_sha256);
    throw new ConflictError('This address already has an account: sign in instead.');
  }
  const passwordHash = row.password_hash ?? user?.password_hash;
  if (!passwordHash) throw new AppError(LINK_INVALID, 400, 'link_invalid');
  if (!(await verifyPassword(passwordHash, input.password))) {
    throw new ValidationError('That is not the password chosen for this address.', { password: 'Type the password you chose.' });
  }
  await forgiveSignIn(db, counters);
  const done = await db.transaction().execute(async (trx) => {
    if (!(await confirmations.deleteConfirmation(trx, row.token_sha256))) return false;
    if (row.password_hash != null) await users.insertUser(trx, { email: row.email, password_hash: row.password_hash, created_at: now, email_confirmed_at: now });
    else if (user) await users.updateUser(trx, user.id, { email_confirmed_at: now });
    return true;
  });
  if (!done) throw new AppError(LINK_INVALID, 400, 'link_invalid');
  return row.email;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

async function findLiveRow(db: Db, token: string, now: number) {
  const row = token ? await confirmations.findConfirmationByToken(db, tokenHash(token)) : undefined;
  if (!row || row.expires_at <= now) throw new AppError(LINK_INVALID, 400, 'link_invalid');
  return row;
}

async function sendLink(db: Db, mail: ConfirmationMail, pending: { email: string; passwordHash: string | null }, now: number): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  await confirmations.saveConfirmation(db, {
    email: pending.email,
    token_sha256: tokenHash(token),
    password_hash: pending.passwordHash,
    created_at: now,
    expires_at: now + CONFIRMATION_MS,
  });
  const link = `${mail.appUrl}/confirm-email?token=${encodeURIComponent(token)}`;
  await send(mail, await confirmEmailMessage({ to: pending.email, link, registration: pending.passwordHash != null, appUrl: mail.appUrl, hours: CONFIRMATION_HOURS }));
}

async function send(mail: ConfirmationMail, message: MailMessage): Promise<void> {
  try {
    await mail.mailer.send(message);
  } catch (err) {
    // The mailer has taken the SMTP password out of its messages.
    throw new UpstreamError(`The email to ${message.to} could not be sent; try again later. ${err instanceof Error ? err.message : String(err)}`);
  }
}
