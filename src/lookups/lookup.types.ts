/**
 * Plain, structured-clone-safe types shared by the main thread and the lookup worker.
 * Nothing here may import app code: the worker loads it in a fresh module registry.
 */

export type HashType = 'md5' | 'sha1' | 'sha256';
/** What one lookup asks VirusTotal about: a file by one of its hashes, a domain, or an IP address. */
export type LookupType = HashType | 'domain' | 'ip';

/** One VirusTotal request, everything the worker needs travels in the task. */
export interface LookupTask {
  baseUrl: string;
  apiKey: string;
  type: LookupType;
  /** A hash, a domain or an IP, already normalised by the list parser. */
  value: string;
  timeoutMs: number;
}

/**
 * The compact, normalised part of a VirusTotal file, domain or IP object that reports keep. Fields
 * that do not apply to the object's type are null.
 */
export interface ObjectSummary {
  objectType: 'file' | 'domain' | 'ip_address';
  /** VirusTotal's id: a file's SHA-256, the domain, or the IP. */
  id: string;
  sha256: string | null;
  sha1: string | null;
  md5: string | null;
  malicious: number;
  suspicious: number;
  undetected: number;
  harmless: number;
  /** Engines that gave a verdict: malicious + suspicious + undetected + harmless. */
  engines: number;
  /**
   * Files: Fortinet's detection name, null when Fortinet did not detect it or did not scan it.
   * Domains and IPs: Fortinet's result whatever it is ("clean", "unrated", "malware"…).
   */
  fortinet: string | null;
  /** VirusTotal's last analysis, ISO-8601 UTC, null when absent. */
  lastAnalysisDate: string | null;
  meaningfulName: string | null;
  /** Files: popular_threat_classification's suggested label ("trojan.emotet/generic"). */
  threatLabel: string | null;
  typeDescription: string | null;
  size: number | null;
  /** Domains and IPs: VirusTotal's community reputation. */
  reputation: number | null;
  /** Domains: the distinct categories vendors gave, in VirusTotal's order. */
  categories: string[] | null;
  /** IPs: the autonomous system's owner and the country (ISO 3166). */
  asOwner: string | null;
  country: string | null;
}

/**
 * What one call to VirusTotal came to. The worker never throws for an HTTP answer:
 * every answer maps to one of these kinds, so the scheduler has a single decision table.
 */
export type LookupOutcome =
  /** `answer` is VirusTotal's whole body, gzipped in the worker so the main thread only stores it. */
  | { kind: 'found'; summary: ObjectSummary; answer: Uint8Array }
  | { kind: 'not_found' }
  /** 429: the key's quota is spent; the row goes back to the queue. */
  | { kind: 'quota'; code: string; message: string }
  /** 401 (or 403): the key is wrong or inactive; everything pauses. */
  | { kind: 'auth'; code: string; message: string }
  /** 5xx, network error, timeout, garbled body: worth retrying. */
  | { kind: 'transient'; reason: string }
  /** Any other 4xx: retrying will not help. */
  | { kind: 'rejected'; reason: string };
