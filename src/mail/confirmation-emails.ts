import type { MailMessage } from './mailer.js';
import { renderEmail } from './render-email.js';

export const CONFIRM_EMAIL_SUBJECT = 'Confirm your email address for Hash Report';
export const ACCOUNT_EXISTS_SUBJECT = 'Someone tried to create a Hash Report account with your address';

/**
 * The link that proves the address is the reader's. `registration`: the account is made when the
 * link is used; otherwise an existing account confirms its address (asked for in Settings).
 */
export async function confirmEmailMessage(input: { to: string; link: string; registration: boolean; appUrl: string; hours: number }): Promise<MailMessage> {
  const { text, html } = await renderEmail('confirm-email', input);
  return { to: input.to, subject: CONFIRM_EMAIL_SUBJECT, text, html };
}

/** Sent instead of a link when the address already has an account: registration answers the same either way. */
export async function accountExistsMessage(input: { to: string; appUrl: string }): Promise<MailMessage> {
  const { text, html } = await renderEmail('account-exists', { ...input, loginUrl: `${input.appUrl}/login` });
  return { to: input.to, subject: ACCOUNT_EXISTS_SUBJECT, text, html };
}
