import type { MailMessage } from './mailer.js';
import { renderEmail } from './render-email.js';

export const TEST_EMAIL_SUBJECT = 'Hash Report test email';

/** A short email that proves the SMTP settings reach this address; sent from Settings on request. */
export async function testEmail(to: string, appUrl: string): Promise<MailMessage> {
  const { text, html } = await renderEmail('test', { to, appUrl });
  return { to, subject: TEST_EMAIL_SUBJECT, text, html };
}
