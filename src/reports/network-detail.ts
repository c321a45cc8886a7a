/**
 * What the per-row page shows for a domain or an IP address, read from VirusTotal's whole answer
 * (as stored in vt_answers). Like file-detail.ts, a missing or odd field becomes null or empty,
 * never an error: the 2022 answers lack fields the docs list (last_analysis_date, 1.1.1.1's country).
 */
import { date, enginesFromResults, isObject, num, str, strings, votesOf, type EngineVerdict } from './file-detail.js';

interface NetworkFacts {
  /** The domain or the IP address, as VirusTotal names it. */
  id: string;
  reputation: number | null;
  votes: { harmless: number; malicious: number } | null;
  tags: string[];
  lastAnalysis: string | null;
  lastModification: string | null;
  engines: EngineVerdict[];
}

export interface DnsRecord {
  type: string;
  value: string;
  ttl: number | null;
}

export interface DomainDetail extends NetworkFacts {
  kind: 'domain';
  /** Each vendor's category for the domain, by vendor name. */
  categories: Array<{ vendor: string; category: string }>;
  registrar: string | null;
  creationDate: string | null;
  lastUpdateDate: string | null;
  lastDnsRecords: DnsRecord[];
  lastDnsRecordsDate: string | null;
  /** Best (smallest) rank first. */
  popularityRanks: Array<{ list: string; rank: number }>;
}

export interface IpDetail extends NetworkFacts {
  kind: 'ip';
  asOwner: string | null;
  asn: number | null;
  /** ISO-3166 code. */
  country: string | null;
  continent: string | null;
  /** CIDR. */
  network: string | null;
  regionalInternetRegistry: string | null;
}

export type NetworkDetail = DomainDetail | IpDetail;

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' });

/** The domain or IP object in the answer, or null for a file, an error body or garbage. */
export function networkDetailFromAnswer(body: unknown): NetworkDetail | null {
  const data = isObject(body) ? body['data'] : undefined;
  if (!isObject(data)) return null;
  const id = str(data['id']);
  const type = data['type'];
  if (id === null || (type !== 'domain' && type !== 'ip_address')) return null;
  const a = isObject(data['attributes']) ? data['attributes'] : {};
  const facts: NetworkFacts = {
    id,
    reputation: num(a['reputation']),
    votes: votesOf(a['total_votes']),
    tags: strings(a['tags']),
    lastAnalysis: date(a['last_analysis_date']),
    lastModification: date(a['last_modification_date']),
    engines: enginesFromResults(a['last_analysis_results']),
  };
  return type === 'domain' ? { kind: 'domain', ...facts, ...domainFacts(a) } : { kind: 'ip', ...facts, ...ipFacts(a) };
}

function domainFacts(a: Record<string, unknown>): Omit<DomainDetail, 'kind' | keyof NetworkFacts> {
  const categories = Object.entries(isObject(a['categories']) ? a['categories'] : {})
    .flatMap(([vendor, category]) => (str(category) ? [{ vendor, category: String(category) }] : []))
    .sort((x, y) => byName(x.vendor, y.vendor));
  const lastDnsRecords = (Array.isArray(a['last_dns_records']) ? a['last_dns_records'] : []).flatMap((r): DnsRecord[] => {
    if (!isObject(r)) return [];
    const type = str(r['type']);
    const value = str(r['value']);
    return type && value ? [{ type, value, ttl: num(r['ttl']) }] : [];
  });
  const popularityRanks = Object.entries(isObject(a['popularity_ranks']) ? a['popularity_ranks'] : {})
    .flatMap(([list, entry]) => {
      const rank = isObject(entry) ? num(entry['rank']) : null;
      return rank === null ? [] : [{ list, rank }];
    })
    .sort((x, y) => x.rank - y.rank || byName(x.list, y.list));
  return {
    categories,
    registrar: str(a['registrar']),
    creationDate: date(a['creation_date']),
    lastUpdateDate: date(a['last_update_date']),
    lastDnsRecords,
    lastDnsRecordsDate: date(a['last_dns_records_date']),
    popularityRanks,
  };
}

function ipFacts(a: Record<string, unknown>): Omit<IpDetail, 'kind' | keyof NetworkFacts> {
  return {
    asOwner: str(a['as_owner']),
    asn: num(a['asn']),
    country: str(a['country']),
    continent: str(a['continent']),
    network: str(a['network']),
    regionalInternetRegistry: str(a['regional_internet_registry']),
  };
}
