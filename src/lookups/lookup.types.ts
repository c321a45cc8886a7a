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
  hash: string;
  timeoutMs: number;
}

/** The compact, normalised part of a VirusTotal file object that reports keep. */
export interface FileVerdict {
  sha256: string;
  sha1: string | null;
  md5: string | null;
  malicious: number;
  suspicious: number;
  undetected: number;
  harmless: number;
  /** Engines that gave a verdict: malicious + suspicious + undetected + harmless. */
  engines: number;
  /** Fortinet's detection name, null when Fortinet did not detect it or did not scan it. */
  fortinet: string | null;
  /** VirusTotal's last analysis, ISO-8601 UTC, null when absent. */
  lastAnalysisDate: string | null;
  meaningfulName: string | null;
  typeDescription: string | null;
  size: number | null;
}

/**
 * What one call to VirusTotal came to. The worker never throws for an HTTP answer:
 * every answer maps to one of these kinds, so the scheduler has a single decision table.
 */
export type LookupOutcome =
  /** `answer` is VirusTotal's whole body, gzipped in the worker so the main thread only stores it. */
  | { kind: 'found'; verdict: FileVerdict; answer: Uint8Array }
  | { kind: 'not_found' }
  /** 429: the key's quota is spent; the row goes back to the queue. */
  | { kind: 'quota'; code: string; message: string }
  /** 401 (or 403): the key is wrong or inactive; everything pauses. */
  | { kind: 'auth'; code: string; message: string }
  /** 5xx, network error, timeout, garbled body: worth retrying. */
  | { kind: 'transient'; reason: string }
  /** Any other 4xx: retrying will not help. */
  | { kind: 'rejected'; reason: string };
