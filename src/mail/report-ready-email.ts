import { fileURLToPath } from 'node:url';
import path from 'node:path';
import ejs from 'ejs';
import type { Counts } from '../reports/report.service.js';
import type { MailMessage } from './mailer.js';

/** A completed report's counts; nothing is pending any more, so that count is not needed. */
export type ReportCounts = Omit<Counts, 'pending'>;

export interface ReportReadyEmailInput {
  to: string;
  reportName: string;
  /** Absolute URL of the report page. */
  reportUrl: string;
  counts: ReportCounts;
}

const emailViewsDir = fileURLToPath(new URL('../../views/emails/', import.meta.url));

export function reportReadyEmailSubject(reportName: string, malicious: number): string {
  // Keep header-breaking characters out of the subject line.
  const name = reportName.replace(/[\r\n\t]+/g, ' ').trim();
  return `Report ready: ${name} — ${malicious} malicious`;
}

export async function reportReadyEmail(input: ReportReadyEmailInput): Promise<MailMessage> {
  assertAbsoluteHttpUrl(input.reportUrl);
  const data = {
    reportName: input.reportName,
    reportUrl: input.reportUrl,
    counts: input.counts,
  };
  const [text, html] = await Promise.all([
    ejs.renderFile(path.join(emailViewsDir, 'report-ready.text.ejs'), data),
    ejs.renderFile(path.join(emailViewsDir, 'report-ready.html.ejs'), data),
  ]);
  return {
    to: input.to,
    subject: reportReadyEmailSubject(input.reportName, input.counts.malicious),
    text,
    html,
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
