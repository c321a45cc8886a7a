import { formatSize, safeFileStem } from '../shared/text.js';
import { TooManyRowsForPdf } from '../reports/files/pdf-export.js';
import type { MailAttachment } from './mailer.js';

export const ATTACHMENT_FORMATS = ['csv', 'pdf'] as const;
export type AttachmentFormat = (typeof ATTACHMENT_FORMATS)[number];
/** A user's choice (users.email_attachment). */
export type AttachmentChoice = 'none' | AttachmentFormat;

/**
 * Makes one report as a file. Resolves null as soon as the file would pass `maxBytes`, so a renderer
 * that streams stops early; one that cannot may ignore the limit, as the size is checked again after.
 * Rejects once `signal` aborts (the sender is stopping) rather than return part of a file.
 */
export type ReportFileRenderer = (reportId: string, maxBytes: number, signal?: AbortSignal) => Promise<Buffer | null>;

/** CSV always; PDF only once a renderer is plugged in (runtime.ts), and only then offered in Settings. */
export interface ReportFileRenderers {
  csv: ReportFileRenderer;
  pdf?: ReportFileRenderer | undefined;
}

/** What the email does about the file: carries it, or says why not and points to the report page. */
export type AttachmentOutcome =
  | { kind: 'attached'; label: string; file: MailAttachment }
  | { kind: 'linked'; label: string; reason: 'too_large'; limit: string }
  /** A PDF of more rows than PDF_MAX_ROWS is not made at all; `limit` is "20,000 rows". */
  | { kind: 'linked'; label: string; reason: 'too_many_rows'; limit: string }
  | { kind: 'linked'; label: string; reason: 'failed'; error: unknown };

const FILE_TYPES: Record<AttachmentFormat, { label: string; contentType: string }> = {
  csv: { label: 'CSV', contentType: 'text/csv; charset=utf-8' },
  pdf: { label: 'PDF', contentType: 'application/pdf' },
};

export function offeredFormats(renderers: ReportFileRenderers): AttachmentFormat[] {
  return ATTACHMENT_FORMATS.filter((format) => renderers[format] !== undefined);
}

/** A stored choice as this install can honour it: a format it cannot make (PDF gone, a stray value) is none. */
export function toAttachmentChoice(stored: string, offered: readonly AttachmentFormat[]): AttachmentChoice {
  return offered.find((format) => format === stored) ?? 'none';
}

/**
 * The attachment for a report's email, or null when the user wants none. A file over `maxBytes` is
 * not sent (mail servers refuse large messages, and base64 makes it a third larger); neither is one
 * the renderer failed to make: the email goes out either way, with the link instead.
 */
export async function attachReport(
  renderers: ReportFileRenderers,
  choice: string,
  report: { id: string; name: string },
  maxBytes: number,
  signal?: AbortSignal,
): Promise<AttachmentOutcome | null> {
  const format = toAttachmentChoice(choice, offeredFormats(renderers));
  const render = format === 'none' ? undefined : renderers[format];
  if (format === 'none' || !render) return null;
  const { label, contentType } = FILE_TYPES[format];
  let content: Buffer | null;
  try {
    content = await render(report.id, maxBytes, signal);
  } catch (error) {
    if (error instanceof TooManyRowsForPdf) return { kind: 'linked', label, reason: 'too_many_rows', limit: `${error.maxRows.toLocaleString('en')} rows` };
    return { kind: 'linked', label, reason: 'failed', error };
  }
  if (!content || content.length > maxBytes) return { kind: 'linked', label, reason: 'too_large', limit: attachmentLimit(maxBytes) };
  return { kind: 'attached', label, file: { filename: `${safeFileStem(report.name, 'report')}.${format}`, content, contentType } };
}

/** "5 MB", "1.5 KB": the limit as the email (and Settings) state it. */
export const attachmentLimit = (bytes: number) => formatSize(bytes, { kbTenths: true });
