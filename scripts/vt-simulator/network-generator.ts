import { createHash } from 'node:crypto';
import { mulberry32 } from './prng.js';

/** A domain or IP object as VirusTotal sends it: `{ data: { id, type, links, attributes } }`. */
export interface NetworkObject {
  data: { id: string; type: 'domain' | 'ip_address'; links: { self: string }; attributes: Record<string, unknown> };
}

type EngineResult = { category: string; result: string; method: string; engine_name: string };

const CATEGORIES = ['business', 'information technology', 'malicious web sites', 'phishing and other frauds', 'parked domain', 'news', 'shopping'];
const AS_OWNERS = [['AMAZON-02', 'US'], ['HETZNER-AS', 'DE'], ['OVH SAS', 'FR'], ['DIGITALOCEAN-ASN', 'US'], ['CHINANET-BACKBONE', 'CN']] as const;

/**
 * An invented, deterministic answer for a domain or IP the fake has no capture of, shaped like the
 * real captures (`template`, e.g. google.com's), so demo lists of sites look like real ones: ~25 % are
 * unknown to VirusTotal, ~20 % have a bad reputation and detections, the rest are mostly harmless.
 * Returns null for "not found".
 */
export function generatedNetworkObject(id: string, template: NetworkObject): NetworkObject | null {
  const seed = createHash('sha256').update(`vt-sim-net:${id}`).digest();
  const r = mulberry32(seed.readUInt32BE(0));
  const roll = seed.readUInt32BE(4) % 100;
  if (roll < 25) return null;
  const bad = roll < 45;
  const engines = Object.keys((template.data.attributes['last_analysis_results'] ?? {}) as Record<string, unknown>);
  const results: Record<string, EngineResult> = {};
  const stats = { harmless: 0, malicious: 0, suspicious: 0, undetected: 0, timeout: 0 };
  for (const engine of engines) {
    const x = r();
    const category = bad && x < 0.12 ? 'malicious' : bad && x < 0.16 ? 'suspicious' : x < 0.85 ? 'harmless' : 'undetected';
    stats[category as keyof typeof stats]++;
    const result = category === 'malicious' ? (r() < 0.5 ? 'malware' : 'phishing') : category === 'suspicious' ? 'suspicious' : category === 'harmless' ? 'clean' : 'unrated';
    results[engine] = { category, result, method: 'blacklist', engine_name: engine };
  }
  const type = template.data.type;
  const attributes: Record<string, unknown> = {
    ...template.data.attributes,
    reputation: bad ? -5 - Math.floor(r() * 60) : Math.floor(r() * 40) - 5,
    last_analysis_stats: stats,
    last_analysis_results: results,
    last_analysis_date: 1_700_000_000 + Math.floor(r() * 60_000_000),
    total_votes: { harmless: Math.floor(r() * 20), malicious: bad ? Math.floor(r() * 20) : 0 },
  };
  if (type === 'domain') {
    const vendors = Object.keys((template.data.attributes['categories'] ?? {}) as Record<string, unknown>);
    attributes['categories'] = Object.fromEntries(vendors.map((v) => [v, bad ? CATEGORIES[2 + Math.floor(r() * 2)] : CATEGORIES[Math.floor(r() * CATEGORIES.length)]]));
  } else {
    const [owner, country] = AS_OWNERS[Math.floor(r() * AS_OWNERS.length)]!;
    Object.assign(attributes, { as_owner: owner, country, asn: 1000 + Math.floor(r() * 60_000) });
  }
  const collection = type === 'domain' ? 'domains' : 'ip_addresses';
  return { data: { id, type, links: { self: `https://www.virustotal.com/api/v3/${collection}/${id}` }, attributes } };
}
