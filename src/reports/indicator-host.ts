import { domainToASCII } from 'node:url';
import { parse as parseDomain } from 'tldts';
import { refang } from './indicator-refang.js';

/** A domain or IP address worth a lookup, in the one form the cache and VirusTotal key it by. */
export interface HostIndicator {
  type: 'domain' | 'ip';
  value: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
// Where the authority ends, as WHATWG URL parsing decides for http(s), backslash included.
const AUTHORITY_END = /[/?#\\]/;
const PORT = /^\d{0,5}$/;
// Strict dotted decimal: inet_aton's 010 (octal), 0x7f and 127.1 forms are not what analysts mean.
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
// Keeps anything that could change how `new URL('http://[…]')` reads the host (or a zone id) out.
const IPV6_CHARS = /^[0-9a-f:.]+$/i;
// "1.2.3.4/24" or "2001:db8::/32" names a network; its first address is not the indicator.
const CIDR_SUFFIX = /^\/\d{1,3}$/;
// ASCII outside letters, digits, dot and hyphen; non-ASCII is left to IDN conversion.
const NOT_HOSTNAME_ASCII = /[\x00-\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/;
// Only these need domainToASCII (a native call costing more than the rest of the line).
const NEEDS_IDNA = /[^\x00-\x7f]|xn--/i;
const LDH_DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_DOMAIN = 253;
// A Unicode name no longer than this in UTF-16 units may still fit MAX_DOMAIN once converted.
const MAX_UNICODE_HOST = 2 * MAX_DOMAIN + 1;

/** The domain or IP a (possibly defanged) token names: a bare host, `host:port`, or a URL's host. */
export function hostIndicator(token: string): HostIndicator | null {
  const text = refang(token);
  const scheme = SCHEME.exec(text);
  const rest = scheme ? text.slice(scheme[0].length) : text;
  const end = rest.search(AUTHORITY_END);
  let authority = end === -1 ? rest : rest.slice(0, end);
  const path = end === -1 ? '' : rest.slice(end);
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    // Without a scheme, "user@example.com" is an email address, not a domain.
    if (!scheme) return null;
    authority = authority.slice(at + 1);
  }
  const host = splitHost(authority, scheme !== null);
  if (!host) return null;
  if (host.bracketed) return ipv6(host.name);
  const found = IPV4.test(host.name) ? { type: 'ip' as const, value: host.name }
    : host.name.includes(':') ? ipv6(host.name)
    : domain(host.name);
  if (found?.type === 'ip' && !scheme && CIDR_SUFFIX.test(path)) return null;
  return found;
}

/** The host of an authority without its port; null when the port or brackets are malformed. */
function splitHost(authority: string, inUrl: boolean): { name: string; bracketed: boolean } | null {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) return null;
    const after = authority.slice(close + 1);
    if (after !== '' && !(after.startsWith(':') && validPort(after.slice(1)))) return null;
    return { name: authority.slice(1, close), bracketed: true };
  }
  const colon = authority.indexOf(':');
  if (colon === -1) return { name: authority, bracketed: false };
  // More than one colon: a bare IPv6 address, which a URL may only hold in brackets.
  if (authority.indexOf(':', colon + 1) !== -1) return inUrl ? null : { name: authority, bracketed: false };
  if (!validPort(authority.slice(colon + 1))) return null;
  return { name: authority.slice(0, colon), bracketed: false };
}

function validPort(port: string): boolean {
  return PORT.test(port) && Number(port) <= 65535;
}

function ipv6(name: string): HostIndicator | null {
  // Zone ids ("%eth0") only mean something on the machine that wrote them.
  if (!IPV6_CHARS.test(name)) return null;
  try {
    // WHATWG's IPv6 parser is strict, and its serialiser gives the canonical form
    // (RFC 5952: lowercase, the first longest zero run compressed).
    const canonical = new URL(`http://[${name}]`).hostname.slice(1, -1);
    // An IPv4-mapped address (::ffff:1.2.3.4) is that IPv4 host: look it up, and cache it, as such.
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
    if (mapped) {
      const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
      return { type: 'ip', value: [high >> 8, high & 255, low >> 8, low & 255].join('.') };
    }
    return { type: 'ip', value: canonical };
  } catch {
    return null;
  }
}

function domain(name: string): HostIndicator | null {
  if (name.length > MAX_UNICODE_HOST || NOT_HOSTNAME_ASCII.test(name)) return null;
  let ascii = NEEDS_IDNA.test(name) ? domainToASCII(name) : name.toLowerCase();
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (ascii.length > MAX_DOMAIN || !LDH_DOMAIN.test(ascii)) return null;
  // A known public suffix keeps file names (notepad.exe, report.pdf) and intranet names out.
  const parsed = parseDomain(ascii, { extractHostname: false });
  if (!(parsed.isIcann || parsed.isPrivate) || parsed.domain === null) return null;
  return { type: 'domain', value: ascii };
}
