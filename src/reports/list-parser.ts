import type { HashType, LookupType } from '../lookups/lookup.types.js';
import { hostIndicator } from './indicator-host.js';

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

/** Why a buffer cannot be read as a list, or null when it can. */
export function unreadableReason(buf: Buffer): string | null {
  if (buf.length === 0) return 'The file is empty.';
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    return 'The file is UTF-16 text. Save it as UTF-8 (or plain text) and upload it again.';
  }
  if (buf.includes(0)) return 'The file looks binary. Upload a text file with one hash, domain or IP address per line.';
  if (!isValidUtf8(buf)) return 'The file is not UTF-8 text. Upload a text file with one hash, domain or IP address per line.';
  return null;
}

function isValidUtf8(buf: Buffer): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const chunk = 1 << 20;
  try {
    for (let start = 0; start < buf.length; start += chunk) {
      decoder.decode(buf.subarray(start, start + chunk), { stream: true });
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
 * million-line upload never exists as one string or one array of lines.
 */
export function* parseList(buf: Buffer): Generator<ParsedLine> {
  let start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 1;
  for (let i = start; i <= buf.length; i++) {
    const byte = buf[i];
    if (i < buf.length && byte !== 0x0a && byte !== 0x0d) continue;
    const parsed = parseLine(buf.toString('utf8', start, i), line);
    if (parsed) yield parsed;
    if (byte === 0x0d && buf[i + 1] === 0x0a) i++;
    start = i + 1;
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
