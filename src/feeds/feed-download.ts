import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FeedType } from './feed.table.js';
import { bunzip } from './bunzip.js';

// GET /feeds/{type}/{minute}: a 302 to the batch's download, bzip2-compressed NDJSON (virustotal-api.md §8).

export type FeedAnswer =
  /** The batch's decompressed bytes, as a stream that waits for its reader (backpressure to the socket). */
  | { kind: 'batch'; body: Readable }
  /** 404: VirusTotal has no batch for that minute. */
  | { kind: 'missing' }
  /** The minute is too new (NotAvailableYet, or a 404 before the lag has passed). */
  | { kind: 'not_yet' }
  /** 401 or 403: the key is wrong or has no licence for this feed. */
  | { kind: 'refused'; reason: string }
  /** Anything else (5xx, network): try the same minute again later. */
  | { kind: 'transient'; reason: string };

export interface FeedRequest {
  apiUrl: string;
  apiKey: string;
  feed: FeedType;
  minute: string;
  /** The bzip2 program (VT_FEED_BZIP2). */
  bzip2: string;
  signal?: AbortSignal;
}

export async function requestFeedBatch(req: FeedRequest): Promise<FeedAnswer> {
  let response: Response;
  try {
    // The redirect is followed by hand: the download lives on another host, which must not see the key.
    response = await fetch(`${req.apiUrl}/feeds/${req.feed}/${req.minute}`, {
      headers: { 'x-apikey': req.apiKey, accept: 'application/json' },
      redirect: 'manual',
      ...(req.signal ? { signal: req.signal } : {}),
    });
  } catch (err) {
    return { kind: 'transient', reason: `could not reach VirusTotal: ${(err as Error).message}` };
  }
  if (response.status === 301 || response.status === 302 || response.status === 303 || response.status === 307) {
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location) return { kind: 'transient', reason: `${response.status} without a Location` };
    return download(new URL(location, response.url || req.apiUrl).href, req);
  }
  if (response.ok) return { kind: 'batch', body: decompress(response, req.bzip2) };
  const code = await errorCode(response);
  if (response.status === 404) return { kind: 'missing' };
  if (code === 'NotAvailableYet') return { kind: 'not_yet' };
  if (response.status === 401 || response.status === 403) return { kind: 'refused', reason: `${response.status} ${code ?? ''}`.trim() };
  return { kind: 'transient', reason: `${response.status} ${code ?? ''}`.trim() };
}

/** The batch behind the redirect: no key goes with it. */
async function download(url: string, req: FeedRequest): Promise<FeedAnswer> {
  try {
    const response = await fetch(url, req.signal ? { signal: req.signal } : {});
    if (response.ok) return { kind: 'batch', body: decompress(response, req.bzip2) };
    await response.body?.cancel();
    return { kind: 'transient', reason: `the batch's download answered ${response.status}` };
  } catch (err) {
    return { kind: 'transient', reason: `could not download the batch: ${(err as Error).message}` };
  }
}

/** The body, decompressed as it arrives by the bzip2 program (bunzip.ts). */
function decompress(response: Response, program: string): Readable {
  if (!response.body) return Readable.from([]);
  return bunzip(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), program);
}

async function errorCode(response: Response): Promise<string | null> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : null;
  } catch {
    return null;
  }
}
