import type { HashType, LookupType } from '../lookups/lookup.types.js';
import { hostIndicator } from './indicator-host.js';
import { breather, lineSpans, MAX_LINE_BYTES } from './list-lines.js';

/** One non-blank line of an uploaded list: something to look up (`value`, normalised), or not. */
export type ParsedLine =
  | { line: number; kind: 'lookup'; input: string; value: string; type: LookupType }
  | { line: number; kind: 'invalid'; input: string };

const HASH_TYPES: Record<number, HashType> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };
const HEX = /^[0-9a-f]+$/;
// sha256sum output, CSV, TSV and "hash;name" lists all put the value first.
const TOKEN_SEPARATOR = /[\s,;]+/;
/** Inputs are shown back to the user; a 10 MB garbage line need not be. */
export const MAX_INPUT_CHARS = 200;

/** Why a buffer cannot be read as a list, or null when it can; checked a megabyte at a time, letting other work run between. */
export async function unreadableReason(buf: Buffer): Promise<string | null> {
  if (buf.length === 0) return 'The file is empty.';
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    return 'The file is UTF-16 text. Save it as UTF-8 (or plain text) and upload it again.';
  }
  if (buf.includes(0)) return 'The file looks binary. Upload a text file with one hash, domain or IP address per line.';
  if (!(await isValidUtf8(buf))) return 'The file is not UTF-8 text. Upload a text file with one hash, domain or IP address per line.';
  return null;
}

async function isValidUtf8(buf: Buffer): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const chunk = 1 << 20;
  const pause = breather();
  try {
    for (let start = 0; start < buf.length; start += chunk) {
      decoder.decode(buf.subarray(start, start + chunk), { stream: true });
      await pause();
    }
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/**
 * Classifies one line's text (already split from the file) by its first token: a hash first, else
 * a domain or IP address, defanged or not, bare, with a port, or as a URL's host. Null for a blank line.
 */
export function parseLine(text: string, line: number): ParsedLine | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const token = (trimmed.split(TOKEN_SEPARATOR, 1)[0] ?? '').replace(/^["']|["']$/g, '');
  const lower = token.toLowerCase();
  const hashType = HASH_TYPES[lower.length];
  if (hashType && HEX.test(lower)) return { line, kind: 'lookup', input: lower, value: lower, type: hashType };
  const host = hostIndicator(token);
  if (host) return { line, kind: 'lookup', input: shown(token), value: host.value, type: host.type };
  return { line, kind: 'invalid', input: shown(trimmed) };
}

const shown = (text: string) => (text.length > MAX_INPUT_CHARS ? `${text.slice(0, MAX_INPUT_CHARS)}…` : text);

/**
 * Walks the buffer line by line (LF, CRLF or lone CR), decoding one line at a time so a
 * million-line upload never exists as one string or one array of lines. A line over
 * MAX_LINE_BYTES is an invalid row at once: only its start is decoded, to be shown.
 */
export function* parseList(buf: Buffer): Generator<ParsedLine> {
  let line = 1;
  for (const [start, end] of lineSpans(buf)) {
    const parsed =
      end - start > MAX_LINE_BYTES
        // 4 bytes a character at most, and one more partial character that the cut drops.
        ? { line, kind: 'invalid' as const, input: shown(buf.toString('utf8', start, start + 4 * MAX_INPUT_CHARS + 4).trim()) }
        : parseLine(buf.toString('utf8', start, end), line);
    if (parsed) yield parsed;
    line++;
  }
}

/** One value on its own (the API's `?value=`): its normalised form and type, or null when it is none; `type` restricts. */
export function detectValue(text: string, type?: LookupType): { value: string; type: LookupType } | null {
  const parsed = parseLine(text, 1);
  if (!parsed || parsed.kind !== 'lookup') return null;
  if (type !== undefined && parsed.type !== type) return null;
  return { value: parsed.value, type: parsed.type };
}
