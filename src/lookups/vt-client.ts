import { gzipSync } from 'node:zlib';
import type { LookupOutcome, LookupTask, LookupType } from './lookup.types.js';
import { normaliseObject } from './normalise-object.js';
import { plainVtError } from './vt-errors.js';

interface VtError {
  code: string;
  message: string;
}

/** VirusTotal's error envelope is `{"error":{"code","message"}}`; message may be absent (vt-py copes too). */
export function parseVtError(text: string): VtError | null {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null) return null;
    const error = (body as { error?: unknown }).error;
    if (typeof error !== 'object' || error === null) return null;
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code !== 'string') return null;
    return { code, message: typeof message === 'string' ? message : '' };
  } catch {
    return null;
  }
}

/** Keeps reasons readable in a report cell and stops an echoed key from leaking into logs or the DB. */
function scrub(text: string, apiKey: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const short = oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
  return apiKey ? short.split(apiKey).join('[key]') : short;
}

export function describeHttp(status: number, text: string, apiKey: string): string {
  const error = parseVtError(text);
  // VirusTotal's message is written for people; its code is a class name, said in words when there is no message.
  if (error) return scrub(`VirusTotal answered ${status}: ${error.message || plainVtError(error.code, status)}`, apiKey);
  const snippet = scrub(text, apiKey);
  return `VirusTotal answered ${status}${snippet ? `: ${snippet}` : ''}`;
}

/** undici hides the useful part of a network failure in `cause.code`; analysts need words, not codes. */
export function describeNetworkError(err: unknown, apiKey: string): string {
  const cause = (err as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
  }
  const detail = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return scrub(`network error: ${detail}`, apiKey);
}

export function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

function mapAnswer(type: LookupType, status: number, text: string, apiKey: string): LookupOutcome {
  if (status === 200) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return { kind: 'transient', reason: scrub(`garbled answer: ${(err as Error).message}`, apiKey) };
    }
    try {
      return { kind: 'found', summary: normaliseObject(type, body), answer: gzipSync(text) };
    } catch (err) {
      return { kind: 'transient', reason: scrub(`garbled answer: ${(err as Error).message}`, apiKey) };
    }
  }
  if (status === 404) return { kind: 'not_found' };
  if (status === 429) {
    const error = parseVtError(text);
    return {
      kind: 'quota',
      code: error?.code ?? 'QuotaExceededError',
      message: scrub(error?.message || 'Quota exceeded', apiKey),
    };
  }
  if (status === 401 || status === 403) {
    const error = parseVtError(text);
    return {
      kind: 'auth',
      code: error?.code ?? (status === 401 ? 'WrongCredentialsError' : 'ForbiddenError'),
      message: scrub(error?.message || `VirusTotal answered ${status}`, apiKey),
    };
  }
  if (status >= 500) return { kind: 'transient', reason: describeHttp(status, text, apiKey) };
  // 2xx other than 200, 3xx that were not followed, and the remaining 4xx: a retry would get the same.
  return { kind: 'rejected', reason: describeHttp(status, text, apiKey) };
}

const COLLECTIONS: Record<LookupType, string> = { md5: 'files', sha1: 'files', sha256: 'files', domain: 'domains', ip: 'ip_addresses' };

/**
 * One `GET /files/{hash}`, `/domains/{domain}` or `/ip_addresses/{ip}` against VirusTotal v3. Never
 * throws: every answer, failure and timeout becomes a LookupOutcome, so the scheduler has a single decision table.
 */
export async function lookupObject(task: LookupTask): Promise<LookupOutcome> {
  const url = `${task.baseUrl.replace(/\/+$/, '')}/${COLLECTIONS[task.type]}/${encodeURIComponent(task.value.trim())}`;
  // One signal covers connect, headers and body, so a server that stalls mid-body is still cut off.
  const signal = AbortSignal.timeout(task.timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'GET',
      headers: { 'x-apikey': task.apiKey, accept: 'application/json' },
      signal,
    });
    const text = await res.text();
    return mapAnswer(task.type, res.status, text, task.apiKey);
  } catch (err) {
    if (isTimeout(err) || signal.aborted) {
      return { kind: 'transient', reason: `no answer within ${formatSeconds(task.timeoutMs)} s` };
    }
    return { kind: 'transient', reason: describeNetworkError(err, task.apiKey) };
  }
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1).replace(/\.0$/, '');
}
