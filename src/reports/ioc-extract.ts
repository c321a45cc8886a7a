import type { LookupType } from '../lookups/lookup.types.js';
import { hostIndicator } from './indicator-host.js';
import { refang } from './indicator-refang.js';
import { breather } from './list-lines.js';
import { ignoredReason, isFileNameLike, isPublicAddress } from './ioc-judgement.js';

// Any text in, indicators out: a threat report, an email or a log read for every hash, domain, IP
// address and URL in it, defanged or not, each value once. The line-per-value parser reads a
// list's first token; this reads everything, so it is stricter about what counts: a bare name
// ending in a file extension that is also a top-level domain (invoice.zip, run.sh), private
// addresses, and version numbers are set aside with the reason, for the analyst to see.

export interface FoundIndicator {
  /** What is looked up: a lower-case hash, a domain, an IP address (a URL's host). */
  value: string;
  type: LookupType;
  /** How the text wrote it (a URL as a whole), its first few distinct forms. */
  seenAs: string[];
}

export interface IgnoredFragment {
  text: string;
  reason: string;
}

export interface Extraction {
  found: FoundIndicator[];
  /** The first distinct fragments that looked like an indicator but were not taken, with why. */
  ignored: IgnoredFragment[];
  /** Every distinct ignored fragment, listed or not. */
  ignoredCount: number;
  /** More distinct values than MAX_FOUND: the rest were not read. */
  truncated: boolean;
}

export const MAX_FOUND = 10_000;
const MAX_IGNORED_LISTED = 200;
const MAX_FORMS = 3;
/** Longer "words" are not indicators (a URL of a 253-character domain fits); they are skipped unread. */
const MAX_TOKEN_CHARS = 4096;

const HASH_LENGTHS: Record<number, LookupType> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };
// Where one token ends: space, quotes, angle brackets (HTML, <mailto:…>), pipes, commas and semicolons (CSV, logs).
const TOKEN_SEPARATOR = /[\s"'`<>|,;]+/;
const LEADING = /^[([{*_~]+/;
const TRAILING = /[.,:;!?)\]}*_~]+$/;
const SCHEME = /[a-z][a-z0-9+.-]*:\/\//i;
const HEX_RUN = /[0-9a-f]+/gi;
const ALNUM = /[0-9a-z]/i;
// A fragment worth a reason when set aside: something dotted between letters or digits.
const DOTTED = /[0-9a-z]\.[0-9a-z]/i;

/**
 * Every indicator in `text`, in the order of first appearance, each value once. A 2 MB log takes
 * about a third of a second: other requests get a turn every few milliseconds.
 */
export async function extractIndicators(text: string): Promise<Extraction> {
  const pause = breather();
  const found = new Map<string, FoundIndicator>();
  const ignored = new Map<string, string>();
  const take = (value: string, type: LookupType, written: string): boolean => {
    const entry = found.get(value);
    if (entry) {
      if (entry.seenAs.length < MAX_FORMS && !entry.seenAs.includes(written)) entry.seenAs.push(written);
      return true;
    }
    if (found.size >= MAX_FOUND) return false;
    found.set(value, { value, type, seenAs: [written] });
    return true;
  };
  const setAside = (fragment: string, reason: string) => {
    if (!ignored.has(fragment)) ignored.set(fragment, reason);
  };

  let truncated = false;
  let read = 0;
  for (const raw of text.split(TOKEN_SEPARATOR)) {
    if (++read % 256 === 0) await pause();
    if (raw === '' || raw.length > MAX_TOKEN_CHARS) continue;
    if (!readToken(raw, take, setAside)) {
      truncated = true;
      break;
    }
  }
  const list = [...ignored].map(([fragment, reason]) => ({ text: fragment, reason }));
  return { found: [...found.values()], ignored: list.slice(0, MAX_IGNORED_LISTED), ignoredCount: list.length, truncated };
}

type Take = (value: string, type: LookupType, written: string) => boolean;
type SetAside = (fragment: string, reason: string) => void;

/** One whitespace-delimited token; false once MAX_FOUND values are held. */
function readToken(raw: string, take: Take, setAside: SetAside): boolean {
  const written = trim(raw);
  if (written === '') return true;
  const text = trim(refang(written));
  const defanged = text !== written;
  const scheme = SCHEME.exec(text);
  if (scheme) {
    // The URL as written starts where its scheme's name does (the scheme itself is never defanged text).
    const name = scheme[0].slice(0, scheme[0].indexOf(':')).toLowerCase();
    const at = written.toLowerCase().indexOf(name);
    return readUrl(trim(text.slice(scheme.index)), trim(written.slice(Math.max(0, at))), take, setAside);
  }
  if (!text.includes('=')) return readPart(text, written, defanged, take, setAside);
  // key=value logs ("md5=…", "dst=1.2.3.4"): each side on its own.
  for (const part of text.split('=')) {
    const piece = trim(part);
    if (!readPart(piece, piece, defanged, take, setAside)) return false;
  }
  return true;
}

/** A URL: its host is the value looked up, the URL as written is how it was seen; hashes in its path count too. */
function readUrl(url: string, written: string, take: Take, setAside: SetAside): boolean {
  const host = hostIndicator(url);
  if (host && host.type === 'ip' && !isPublicAddress(host.value)) setAside(written, 'a private or reserved address');
  else if (host) {
    if (!take(host.value, host.type, written)) return false;
  } else setAside(written, 'a URL without a public domain or IP address');
  return readHashes(url, written, take, setAside);
}

/** A bare token (or one side of key=value): hashes anywhere in it, else a domain or an IP, else a reason. */
function readPart(part: string, written: string, defanged: boolean, take: Take, setAside: SetAside): boolean {
  if (part === '') return true;
  const before = { hashes: 0 };
  if (!readHashes(part, written, take, setAside, before)) return false;
  if (before.hashes > 0) return true;
  // Paths (C:\Users\…\x.exe, /tmp/x) give only their hashes.
  if (part.includes('\\') || part.startsWith('/')) return true;
  const host = hostIndicator(part);
  if (host?.type === 'domain') {
    if (!defanged && isFileNameLike(part, host.value)) {
      setAside(written, 'a file name: its extension is also a top-level domain (defang it, e.g. name[.]zip, to look it up)');
      return true;
    }
    return take(host.value, host.type, written);
  }
  if (host?.type === 'ip') {
    if (!isPublicAddress(host.value)) {
      setAside(written, 'a private or reserved address');
      return true;
    }
    return take(host.value, host.type, written);
  }
  if (DOTTED.test(part) || defanged) {
    const reason = ignoredReason(part);
    if (reason) setAside(written, reason);
  }
  return true;
}

/**
 * Hex runs of exactly 32, 40 or 64 characters standing alone (not part of a longer word), anywhere in
 * the text: a hash in a URL's path, a file path or a key=value pair. Longer or shorter runs of 16 or
 * more are set aside with their length.
 */
function readHashes(text: string, written: string, take: Take, setAside: SetAside, count = { hashes: 0 }): boolean {
  for (const match of text.matchAll(HEX_RUN)) {
    const run = match[0];
    if (run.length < 16) continue;
    const start = match.index;
    const end = start + run.length;
    if (ALNUM.test(text[start - 1] ?? '') || ALNUM.test(text[end] ?? '')) continue;
    const type = HASH_LENGTHS[run.length];
    if (!type) {
      setAside(run, `hex of ${run.length} characters: not an MD5 (32), SHA-1 (40) or SHA-256 (64)`);
      continue;
    }
    count.hashes++;
    if (!take(run.toLowerCase(), type, run === written ? run : written)) return false;
  }
  return true;
}

function trim(token: string): string {
  return token.replace(LEADING, '').replace(TRAILING, '');
}
