import type { MailMessage } from './mailer.js';
import { renderEmail } from './render-email.js';

/** One changed row as the email lists it. */
export interface ChangeLine {
  line: number;
  input: string;
  /** How the change reads: "verdict changed", "more detections"… */
  what: string;
  before: string;
  after: string;
}

/** The email listing what one re-check of a watched report found changed. */
export async function watchChangesEmail(input: { to: string; reportName: string; changesUrl: string; changes: ChangeLine[] }): Promise<MailMessage> {
  const name = input.reportName.replace(/[\r\n\t]+/g, ' ').trim();
  const n = input.changes.length;
  const { text, html } = await renderEmail('watch-changes', { reportName: name, changesUrl: input.changesUrl, changes: input.changes });
  return { to: input.to, subject: `Watched report changed: ${name} — ${n} row${n === 1 ? '' : 's'}`, text, html };
}
