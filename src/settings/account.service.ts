import { checkpointAfterDeletion, type Db } from '../shared/database.js';
import { ConflictError, NotFoundError, UpstreamError, ValidationError } from '../shared/errors.js';
import { confirmPassword, type Attempt } from '../auth/auth.service.js';
import type { ThrottlePolicy } from '../auth/throttle.js';
import { claimAttempt } from '../auth/throttle.service.js';
import * as users from '../auth/user.repository.js';
import type { UserRow } from '../auth/user.table.js';
import type { Mailer } from '../mail/mailer.js';
import { toAttachmentChoice, type AttachmentChoice, type AttachmentFormat } from '../mail/report-attachment.js';
import { testEmail } from '../mail/test-email.js';
import { deleteReportsOfUser } from '../reports/report.service.js';
import type { DeleteAccountInput, EmailPreferencesInput } from './settings.schemas.js';

export interface EmailPreferences {
  notifyDefault: boolean;
  attachment: AttachmentChoice;
}

const MINUTE_MS = 60_000;

/**
 * One test email a minute per user: enough to check a mail setup, too few to flood an inbox. Kept
 * in the database with the sign-in counters, so it holds across restarts and for every session.
 */
const TEST_EMAIL_LIMIT: ThrottlePolicy = { free: 0, baseDelayMs: MINUTE_MS, lockAfter: Number.MAX_SAFE_INTEGER, lockMs: MINUTE_MS, windowMs: MINUTE_MS };
export const UNCONFIRMED_NO_MAIL = 'Your address is not confirmed, so no email is sent to it. Send yourself a confirmation link first.';
export const TEST_EMAIL_REFUSED = 'A test email was sent to you less than a minute ago.';

async function findUser(db: Db, userId: number): Promise<UserRow> {
  const user = await users.findUserById(db, userId);
  if (!user) throw new NotFoundError();
  return user;
}

/** The stored choice as this install can honour it: a PDF choice reads as none while no PDF renderer is plugged in. */
export async function loadEmailPreferences(db: Db, userId: number, offered: readonly AttachmentFormat[]): Promise<EmailPreferences> {
  const user = await findUser(db, userId);
  return { notifyDefault: user.notify_default === 1, attachment: toAttachmentChoice(user.email_attachment, offered) };
}

export async function saveEmailPreferences(db: Db, userId: number, input: EmailPreferencesInput): Promise<void> {
  await users.updateUser(db, userId, { notify_default: input.notifyDefault ? 1 : 0, email_attachment: input.attachment });
}

/** Sends the test email to the user's own address (never another), through the mailer the reports use; returns the address. */
export async function sendTestEmail(db: Db, mailer: Mailer | null, userId: number, appUrl: string, now = Date.now()): Promise<string> {
  if (!mailer) throw new ConflictError('Email is not set up on this server (SMTP_URL is unset), so no test email can be sent.');
  const user = await findUser(db, userId);
  if (user.email_confirmed_at == null) throw new ConflictError(UNCONFIRMED_NO_MAIL);
  // Charged before sending, so failed sends count too: the limit is on what reaches the SMTP server.
  await claimAttempt(db, [{ key: `test-email:${userId}`, policy: TEST_EMAIL_LIMIT }], TEST_EMAIL_REFUSED, now);
  try {
    await mailer.send(await testEmail(user.email, appUrl));
  } catch (err) {
    // The mailer has taken the SMTP password out of its messages.
    throw new UpstreamError(`The test email to ${user.email} could not be sent: ${err instanceof Error ? err.message : String(err)}`);
  }
  return user.email;
}

/**
 * Deletes the account once the user typed their email (or DELETE) and their password. Reports go
 * first, their rows in batches; the personal key goes with the user row (ON DELETE CASCADE), and every session of
 * the user with it; queued lookups nobody waits for any more are left to the hourly housekeeping.
 * User ids are AUTOINCREMENT, never reused, so a session cookie of the deleted account can never
 * belong to a later one.
 */
export async function deleteAccount(db: Db, userId: number, input: DeleteAccountInput, attempt: Attempt, now = Date.now()): Promise<void> {
  const user = await findUser(db, userId);
  // Checked before the password, and not counted: a typo here is no guess at the password.
  if (input.confirmation !== 'DELETE' && input.confirmation.toLowerCase() !== user.email) {
    throw new ValidationError('Type your email address or DELETE to confirm; nothing was deleted.', {
      confirmation: `Type ${user.email} or DELETE.`,
    });
  }
  await confirmPassword(db, user, { field: 'password', password: input.password }, attempt, now);
  // A batch at a time, so a large report does not hold every other request (the cascade would).
  await deleteReportsOfUser(db, userId);
  await db.transaction().execute(async (trx) => {
    await users.deleteSessionsOfUser(trx, userId);
    await users.deleteUser(trx, userId);
  });
  await checkpointAfterDeletion(db);
}
