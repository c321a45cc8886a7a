import { ValidationError } from '../shared/errors.js';
import { formatSize } from '../shared/text.js';
import { extractIndicators, type Extraction } from './ioc-extract.js';
import { unreadableReason } from './list-parser.js';
import { TYPE_LABELS } from './report-links.js';

// The any-text upload's first step: what the text holds, shown before any report exists. The
// confirm form on that page posts the found values as an ordinary pasted list (POST /reports),
// so the report is made by the same import as every other upload, from exactly what was shown.

/** Prose, an email or a log excerpt: larger texts are lists, and a list is read line by line for less. */
export const MAX_EXTRACT_BYTES = 2 * 1024 * 1024;

export interface ExtractPreview {
  extraction: Extraction;
  /** The values, one a line, as the confirm form sends them. */
  list: string;
  name: string;
  notify: boolean;
  typeLabels: typeof TYPE_LABELS;
}

/** Reads the text for indicators; a ValidationError (shown on the upload form) when it cannot be read or holds none. */
export async function previewExtraction(input: { content: Buffer; name: string; notify: boolean }): Promise<ExtractPreview> {
  const reason = await unreadableReason(input.content);
  if (reason) throw new ValidationError(reason, { file: reason });
  if (input.content.length > MAX_EXTRACT_BYTES) {
    const message = `Text to search for indicators may be at most ${formatSize(MAX_EXTRACT_BYTES)}. Split it, or upload a list with one value a line.`;
    throw new ValidationError(message, { file: message });
  }
  const extraction = await extractIndicators(input.content.toString('utf8').replace(/^\uFEFF/, ''));
  if (extraction.found.length === 0) {
    const message = 'No hash, domain, IP address or URL was found in the text.';
    throw new ValidationError(message, { file: message });
  }
  const name = input.name || `Indicators from pasted text, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return { extraction, list: extraction.found.map((f) => f.value).join('\n'), name: name.slice(0, 200), notify: input.notify, typeLabels: TYPE_LABELS };
}
