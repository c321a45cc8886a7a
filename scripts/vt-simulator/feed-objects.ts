import { createHash } from 'node:crypto';
import { mulberry32 } from './prng.js';

// The objects the simulated feeds publish: deterministic per (feed, minute), drawn from a small pool
// of ids so the same object comes back in later minutes with a newer analysis (virustotal-api.md §8:
// a line is the bare object, no `data` wrapper).

export type SimFeedType = 'files' | 'urls' | 'domains' | 'ip_addresses';
export type BareObject = { id: string; type: string; attributes: Record<string, unknown> };

const hex = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex');
const ENGINES = ['Fortinet', 'Kaspersky', 'BitDefender', 'ESET-NOD32', 'Microsoft', 'Sophos', 'Avira', 'DrWeb'];

/** The pool's `k`th object id and its hashes, as the feed names it. */
export function feedObjectId(feed: SimFeedType, k: number): string {
  switch (feed) {
    case 'files': return hex('sha256', `feed-file-${k}`);
    case 'domains': return `feed-${k}.example.net`;
    case 'ip_addresses': return `203.0.${(k >> 8) & 255}.${k & 255}`;
    case 'urls': return hex('sha256', `http://feed-${k}.example.net/path`);
  }
}

/** The pool's `k`th object as analysed at `analysedAt` (Unix seconds): its counts follow from both. */
export function feedObject(feed: SimFeedType, k: number, analysedAt: number): BareObject {
  const r = mulberry32(createHash('sha256').update(`${feed}:${k}:${analysedAt}`).digest().readUInt32BE(0));
  const malicious = r() < 0.3 ? 1 + Math.floor(r() * 5) : 0;
  const results = Object.fromEntries(
    ENGINES.map((engine, i) => {
      const bad = i < malicious;
      const category = bad ? 'malicious' : feed === 'files' ? 'undetected' : 'harmless';
      const result = bad ? (feed === 'files' ? `W32/Feed.${k}!tr` : 'malware') : feed === 'files' ? null : 'clean';
      return [engine, { category, engine_name: engine, method: 'blacklist', result }];
    }),
  );
  const stats = { malicious, suspicious: 0, undetected: feed === 'files' ? ENGINES.length - malicious : 0, harmless: feed === 'files' ? 0 : ENGINES.length - malicious, timeout: 0 };
  const common = { last_analysis_date: analysedAt, last_analysis_stats: stats, last_analysis_results: results, reputation: malicious > 0 ? -20 : 5 };
  const id = feedObjectId(feed, k);
  switch (feed) {
    case 'files': {
      const seed = `feed-file-${k}`;
      const attributes = { ...common, sha256: id, sha1: hex('sha1', seed), md5: hex('md5', seed), meaningful_name: `feed-sample-${k}.exe`, type_description: 'Win32 EXE', size: 1000 + k };
      return { id, type: 'file', attributes: { ...attributes, download_url: `https://download.example/${id}`, submitter: { country: 'es', method: 'api' } } };
    }
    case 'domains': return { id, type: 'domain', attributes: { ...common, categories: { Forcepoint: malicious > 0 ? 'malicious web sites' : 'business' } } };
    case 'ip_addresses': return { id, type: 'ip_address', attributes: { ...common, as_owner: 'FEED-NET', country: 'NL' } };
    case 'urls': return { id, type: 'url', attributes: { ...common, url: `http://feed-${k}.example.net/path` } };
  }
}

/**
 * The objects of one minute: `count` draws from a pool of `pool` ids, each analysed inside the
 * minute before it (so an id seen again in a later minute carries a newer analysis).
 */
export function minuteObjects(feed: SimFeedType, minuteStartMs: number, count: number, pool: number): BareObject[] {
  const r = mulberry32(createHash('sha256').update(`${feed}:${minuteStartMs}`).digest().readUInt32BE(0));
  const base = Math.floor(minuteStartMs / 1000) - 90;
  return Array.from({ length: count }, (_, i) => feedObject(feed, Math.floor(r() * pool), base + Math.floor((i * 60) / Math.max(count, 1))));
}
