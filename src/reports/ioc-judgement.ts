// The judgements the any-text extractor (ioc-extract.ts) makes that the line parser does not: in a
// list every line is meant as a value, in prose most dotted words are not.

/**
 * File extensions that are also top-level domains and, written bare in a threat report, far more
 * often name a file (invoice.zip, run.sh, notes.one) than a host. Real domains there are rarer and
 * usually defanged; .pl, .cc and .app are left out, their domains being common.
 */
const FILE_EXTENSION_TLDS = new Set(['zip', 'mov', 'sh', 'py', 'rs', 'md', 'one', 'so', 'cab', 'java']);

/** `written` is a bare name (no port, no path) whose top-level domain is a common file extension. */
export function isFileNameLike(written: string, domain: string): boolean {
  if (/[/:]/.test(written)) return false;
  return FILE_EXTENSION_TLDS.has(domain.slice(domain.lastIndexOf('.') + 1));
}

const IPV4_RESERVED: Array<[number, number]> = [
  [0x00000000, 8], // "this network"
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0000200, 24], // documentation (TEST-NET-1)
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xc6336400, 24], // documentation (TEST-NET-2)
  [0xcb007100, 24], // documentation (TEST-NET-3)
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, and broadcast
];

/**
 * An address VirusTotal can say something about: not private, loopback, link-local, multicast,
 * documentation or otherwise reserved (RFC 6890). Logs are full of the others, and a lookup of
 * 10.0.0.1 tells nobody anything.
 */
export function isPublicAddress(ip: string): boolean {
  if (ip.includes(':')) return isPublicIpv6(ip);
  const n = ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return !IPV4_RESERVED.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
}

/** `ip` is canonical (lower-case, compressed), as hostIndicator gives it. */
function isPublicIpv6(ip: string): boolean {
  if (ip === '::' || ip === '::1') return false;
  const first = Number.parseInt(ip.split(':')[0] || '0', 16);
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00) return false;
  return !ip.startsWith('2001:db8:'); // documentation
}

/**
 * Why a dotted fragment that is no hash, domain or IP is set aside, or null when it is not worth
 * saying (an abbreviation such as "e.g", a decimal such as "9.8").
 */
export function ignoredReason(fragment: string): string | null {
  const labels = fragment.split('.');
  if (labels.every((label) => /^[a-z]?$/i.test(label))) return null;
  if (fragment.includes('@')) return 'an email address: only its domain could be looked up, and it may be anyone’s mail provider';
  if (/^v?\d+(?:\.\d+)+$/i.test(fragment)) return labels.length >= 3 ? 'a version number, not an IP address' : null;
  if (/\.[a-z][a-z0-9]{0,4}$/i.test(fragment)) return 'no public suffix: a file name or an internal name, not a domain';
  return 'not a hash, a domain or an IP address';
}
