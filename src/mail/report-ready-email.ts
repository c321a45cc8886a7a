import type { Counts } from '../reports/report-summary.js';
import type { MailMessage } from './mailer.js';
import type { AttachmentOutcome } from './report-attachment.js';
import { renderEmail } from './render-email.js';

/** A completed report's counts; nothing is pending any more, so that count is not needed. */
export type ReportCounts = Omit<Counts, 'pending'>;

export interface ReportReadyEmailInput {
  to: string;
  reportName: string;
  /** Absolute URL of the report page. */
  reportUrl: string;
  counts: ReportCounts;
  /** The report as a file, or why it is only linked; absent when the user wants no file. */
  attachment?: AttachmentOutcome | null;
}

export function reportReadyEmailSubject(reportName: string, malicious: number): string {
  // Keep header-breaking characters out of the subject line.
  const name = reportName.replace(/[\r\n\t]+/g, ' ').trim();
  return `Report ready: ${name} — ${malicious} malicious`;
}

export async function reportReadyEmail(input: ReportReadyEmailInput): Promise<MailMessage> {
  assertAbsoluteHttpUrl(input.reportUrl);
  const attachment = input.attachment ?? null;
  const { text, html } = await renderEmail('report-ready', {
    reportName: input.reportName,
    reportUrl: input.reportUrl,
    counts: input.counts,
    attachment,
  });
  return {
    to: input.to,
    subject: reportReadyEmailSubject(input.reportName, input.counts.malicious),
    text,
    html,
    ...(attachment?.kind === 'attached' ? { attachments: [attachment.file] } : {}),
  };
}

function assertAbsoluteHttpUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`reportUrl must be an absolute URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`reportUrl must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}
