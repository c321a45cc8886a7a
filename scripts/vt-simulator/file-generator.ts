import { createHash } from 'node:crypto';
import { mulberry32 } from './prng.js';

export interface EngineInfo {
  name: string;
  version: string | null;
}

export interface FileObject {
  data: { id: string; type: 'file'; links: { self: string }; attributes: Record<string, unknown> };
}

/** What a test (or the generator) decides about a file; everything else is derived from its SHA-256. */
export interface SimFileSpec {
  md5: string;
  sha1: string;
  sha256: string;
  malicious?: number;
  suspicious?: number;
  harmless?: number;
  typeUnsupported?: number;
  timeout?: number;
  /** Fortinet's detection name; null or omitted means Fortinet scanned it and found nothing. */
  fortinet?: string | null;
  meaningfulName?: string;
  typeDescription?: string;
  size?: number;
  /** Unix seconds, as VirusTotal sends dates. */
  lastAnalysisDate?: number;
}

const FAMILIES = ['Agent', 'Emotet', 'AgentTesla', 'Formbook', 'Qakbot', 'RedLine', 'Remcos', 'Kryptik', 'Lokibot', 'Zbot'];
const TYPES = [
  { description: 'Win32 EXE', tag: 'peexe', ext: 'exe' },
  { description: 'Win32 DLL', tag: 'pedll', ext: 'dll' },
  { description: 'PDF', tag: 'pdf', ext: 'pdf' },
  { description: 'ZIP', tag: 'zip', ext: 'zip' },
  { description: 'MS Word Document', tag: 'doc', ext: 'doc' },
  { description: 'JavaScript', tag: 'javascript', ext: 'js' },
  { description: 'Text', tag: 'text', ext: 'txt' },
  { description: 'Android', tag: 'android', ext: 'apk' },
] as const;
const STEMS = ['invoice', 'setup', 'update', 'report', 'scan', 'payload', 'document', 'installer'];

/** Seeds the shared PRNG from a digest, so a file's details follow from its hash. */
const prng = (seed: Buffer): (() => number) => mulberry32(seed.readUInt32BE(0));

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const int = (r: () => number, min: number, max: number): number => min + Math.floor(r() * (max - min + 1));

/**
 * The verdict the generator gives an unknown hash: ~20 % unknown to VirusTotal, ~25 % malicious,
 * ~10 % suspicious, the rest clean. The other two hashes cannot be recovered from the queried one,
 * so they are derived from it; the caller registers all three so aliases agree from then on.
 */
export function generatedSpec(hash: string): SimFileSpec | null {
  const seed = digest(`vt-sim:${hash}`);
  const roll = seed.readUInt32BE(0) % 100;
  if (roll < 20) return null;
  const derive = (algo: 'md5' | 'sha1' | 'sha256') => createHash(algo).update(`vt-sim:${algo}:${hash}`).digest('hex');
  const r = prng(seed.subarray(4));
  const spec: SimFileSpec = {
    md5: hash.length === 32 ? hash : derive('md5'),
    sha1: hash.length === 40 ? hash : derive('sha1'),
    sha256: hash.length === 64 ? hash : derive('sha256'),
  };
  if (roll < 45) {
    spec.malicious = int(r, 5, 55);
    spec.suspicious = int(r, 0, 2);
    spec.fortinet = r() < 0.75 ? `W32/${pick(r, FAMILIES)}.${String.fromCharCode(65 + int(r, 0, 25), 65 + int(r, 0, 25))}!tr` : null;
  } else if (roll < 55) {
    spec.suspicious = int(r, 1, 3);
    spec.fortinet = r() < 0.3 ? 'Riskware/Generic' : null;
  }
  return spec;
}

function yyyymmdd(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Builds a file object shaped like the captured ones, with stats and per-engine results that agree. */
export function buildFileObject(spec: SimFileSpec, roster: readonly EngineInfo[]): FileObject {
  const sha256 = spec.sha256.toLowerCase();
  const r = prng(digest(`vt-sim:detail:${sha256}`));
  const fortinetName = spec.fortinet ?? null;
  const others = roster.filter((e) => e.name !== 'Fortinet');
  // Fortinet's slot is decided first so its entry and the stats can never disagree.
  const fortinetCategory = fortinetName === null ? 'undetected'
    : (spec.malicious ?? 0) > 0 || (spec.suspicious ?? 0) === 0 ? 'malicious' : 'suspicious';
  const own = (c: string) => (fortinetCategory === c ? 1 : 0);

  // Fill the other engines' buckets in priority order so explicit counts win over random extras.
  let left = others.length;
  const take = (n: number) => { const got = Math.max(0, Math.min(Math.floor(n), left)); left -= got; return got; };
  const malicious = take((spec.malicious ?? 0) - own('malicious'));
  const suspicious = take((spec.suspicious ?? 0) - own('suspicious'));
  const harmless = take(spec.harmless ?? 0);
  const typeUnsupported = take(spec.typeUnsupported ?? int(r, 0, 6));
  const timeout = take(spec.timeout ?? (r() < 0.1 ? 1 : 0));
  const undetected = left;

  const categories: string[] = [
    ...Array<string>(malicious).fill('malicious'),
    ...Array<string>(suspicious).fill('suspicious'),
    ...Array<string>(harmless).fill('harmless'),
    ...Array<string>(typeUnsupported).fill('type-unsupported'),
    ...Array<string>(timeout).fill('timeout'),
    ...Array<string>(undetected).fill('undetected'),
  ];
  const stats = {
    harmless, 'type-unsupported': typeUnsupported, suspicious: suspicious + own('suspicious'), 'confirmed-timeout': 0,
    timeout, failure: 0, malicious: malicious + own('malicious'), undetected: undetected + own('undetected'),
  };

  const family = pick(r, FAMILIES);
  const lastAnalysis = spec.lastAnalysisDate ?? 1_577_836_800 + int(r, 0, 5 * 365 * 86_400);
  const firstSubmission = lastAnalysis - int(r, 0, 3 * 365 * 86_400);
  const update = yyyymmdd(lastAnalysis);
  const engine = (e: EngineInfo, category: string, result: string | null) => ({
    method: 'blacklist', engine_name: e.name, engine_version: e.version, engine_update: update, category, result,
  });
  const detection = (category: string, e: EngineInfo) =>
    category === 'malicious' ? `${e.name.length % 2 ? 'Trojan' : 'Win32'}.${family}.${e.name.length * 7}`
      : category === 'suspicious' ? 'Suspicious.Heuristic' : null;

  const order = others.map((e) => ({ e, k: r() })).sort((a, b) => a.k - b.k).map((x) => x.e);
  const results: Record<string, unknown> = {};
  order.forEach((e, i) => { const c = categories[i] ?? 'undetected'; results[e.name] = engine(e, c, detection(c, e)); });
  const fortinet = roster.find((e) => e.name === 'Fortinet') ?? { name: 'Fortinet', version: '6.4.258.0' };
  results['Fortinet'] = engine(fortinet, fortinetCategory, fortinetName);

  const type = TYPES.find((t) => t.description === spec.typeDescription) ?? pick(r, TYPES);
  const name = spec.meaningfulName ?? `${pick(r, STEMS)}_${int(r, 100, 9999)}.${type.ext}`;
  const detected = stats.malicious > 0;
  const attributes: Record<string, unknown> = {
    md5: spec.md5.toLowerCase(),
    sha1: spec.sha1.toLowerCase(),
    sha256,
    size: spec.size ?? int(r, 512, 4_000_000),
    type_description: spec.typeDescription ?? type.description,
    type_tag: type.tag,
    type_extension: type.ext,
    meaningful_name: name,
    names: [name, `${sha256.slice(0, 8)}.${type.ext}`],
    first_submission_date: firstSubmission,
    last_submission_date: int(r, firstSubmission, lastAnalysis),
    last_analysis_date: lastAnalysis,
    last_modification_date: lastAnalysis + int(r, 0, 30 * 86_400),
    times_submitted: int(r, 1, 60),
    unique_sources: int(r, 1, 20),
    reputation: detected ? -int(r, 0, 40) : int(r, 0, 5),
    total_votes: { harmless: detected ? 0 : int(r, 0, 3), malicious: detected ? int(r, 0, 5) : 0 },
    tags: [type.tag],
    last_analysis_stats: stats,
    last_analysis_results: results,
  };
  if (detected) {
    attributes['popular_threat_classification'] = {
      suggested_threat_label: `trojan.${family.toLowerCase()}/generic`,
      popular_threat_category: [{ count: stats.malicious, value: 'trojan' }],
      popular_threat_name: [{ count: Math.max(1, Math.floor(stats.malicious / 2)), value: family.toLowerCase() }],
    };
  }
  return {
    data: { id: sha256, type: 'file', links: { self: `https://www.virustotal.com/api/v3/files/${sha256}` }, attributes },
  };
}
