import { describeHttp, describeNetworkError, isTimeout, parseVtError } from './vt-client.js';

/** One of VirusTotal's allowances for a key, as `GET /users/{id}` reports it. */
export interface Allowance {
  allowed: number;
  used: number;
}

/** The API allowances VirusTotal reports for a key; null where its answer has none. */
export interface KeyAllowances {
  daily: Allowance | null;
  hourly: Allowance | null;
  monthly: Allowance | null;
}

/** What asking VirusTotal about a key came to. */
export type KeyCheck =
  | { kind: 'works'; allowances: KeyAllowances }
  /** 401 or 403: the key is wrong, inactive or not allowed. */
  | { kind: 'refused'; status: number; code: string | null; message: string }
  /** 429: VirusTotal knows the key, but its quota is spent right now. */
  | { kind: 'quota' }
  /** No answer, a server error, or an answer that is not a user object. */
  | { kind: 'failed'; reason: string };

/**
 * `GET /users/{key}` with the key itself as the id (VirusTotal accepts a user name, an email or an
 * API key there): the key's own user object, whose `quotas` say what it may do. One call, made on
 * the main thread: it is rare (a key saved or tested), and the limiter that counts it lives here too.
 */
export async function checkKey(baseUrl: string, secret: string, timeoutMs: number): Promise<KeyCheck> {
  const url = `${baseUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(secret)}`;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { headers: { 'x-apikey': secret, accept: 'application/json' }, signal });
    const text = await res.text();
    if (res.status === 200) return readAllowances(text);
    if (res.status === 429) return { kind: 'quota' };
    if (res.status === 401 || res.status === 403) {
      const error = parseVtError(text);
      return { kind: 'refused', status: res.status, code: error?.code ?? null, message: error?.message ?? '' };
    }
    return { kind: 'failed', reason: describeHttp(res.status, text, secret) };
  } catch (err) {
    if (isTimeout(err) || signal.aborted) return { kind: 'failed', reason: `no answer within ${Math.round(timeoutMs / 1000)} s` };
    return { kind: 'failed', reason: describeNetworkError(err, secret) };
  }
}

function readAllowances(text: string): KeyCheck {
  let quotas: unknown;
  try {
    quotas = (JSON.parse(text) as { data?: { attributes?: { quotas?: unknown } } }).data?.attributes?.quotas;
  } catch {
    return { kind: 'failed', reason: 'VirusTotal sent a garbled answer' };
  }
  if (typeof quotas !== 'object' || quotas === null) return { kind: 'failed', reason: 'VirusTotal answered without the key\'s quotas' };
  const q = quotas as Record<string, unknown>;
  return { kind: 'works', allowances: { daily: allowance(q.api_requests_daily), hourly: allowance(q.api_requests_hourly), monthly: allowance(q.api_requests_monthly) } };
}

function allowance(value: unknown): Allowance | null {
  if (typeof value !== 'object' || value === null) return null;
  const { allowed, used } = value as { allowed?: unknown; used?: unknown };
  if (typeof allowed !== 'number' || !Number.isFinite(allowed) || allowed <= 0) return null;
  return { allowed: Math.floor(allowed), used: typeof used === 'number' && Number.isFinite(used) ? used : 0 };
}
