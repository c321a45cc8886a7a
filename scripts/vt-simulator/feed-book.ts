import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { minuteObjects, type BareObject, type SimFeedType } from './feed-objects.js';

// The simulated feeds (virustotal-api.md §8, §9.6): GET /api/v3/feeds/{type}/{YYYYMMDDhhmm} answers a
// 302 to /feed-downloads/{type}/{minute}, whose body is the minute's NDJSON compressed by the real
// bzip2 program; a minute newer than now − 60 min is NotAvailableYet, older than 7 days or declared
// missing is a 404.

export type GarbleKind = 'bzip2' | 'json';

export interface FeedOptions {
  /** Objects drawn for each minute (before any a test adds). Default 10. */
  objectsPerMinute?: number;
  /** Distinct ids they are drawn from: fewer ids, more objects seen again in later minutes. Default 40. */
  poolSize?: number;
}

const FEED_PATH = /^\/api\/v3\/feeds\/(files|urls|domains|ip_addresses)\/(\d{12})$/;
const DOWNLOAD_PATH = /^\/feed-downloads\/(files|urls|domains|ip_addresses)\/(\d{12})$/;
const MINUTE_MS = 60_000;
const LAG_MS = 60 * MINUTE_MS;
const KEPT_MS = 7 * 24 * 60 * MINUTE_MS;

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

export function minuteStartOf(name: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(name)!;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
}

export class FeedBook {
  private readonly missingMinutes = new Set<string>();
  private readonly garbled = new Map<string, GarbleKind>();
  private readonly extra = new Map<string, BareObject[]>();
  private readonly files = new Map<string, string>();
  private readonly stalls = new Map<string, number>();
  private readonly compressed = new Map<string, Promise<Buffer>>();
  /** Batches downloaded, by `type/minute`, in order. */
  readonly downloads: string[] = [];

  constructor(private readonly now: () => number, private readonly options: FeedOptions = {}) {}

  handles(path: string): boolean {
    return FEED_PATH.test(path) || DOWNLOAD_PATH.test(path);
  }

  /** Answers a feed request; `keyOk`: the caller's key is one the fake accepts (the feed licence goes with it). */
  answer(path: string, req: IncomingMessage, res: ServerResponse, key: string | null, keyOk: boolean): number {
    const download = DOWNLOAD_PATH.exec(path);
    if (download) return this.serve(download[1] as SimFeedType, download[2]!, res);
    const [, type, minute] = FEED_PATH.exec(path)!;
    if (!key) return (json(res, 401, { error: { code: 'AuthenticationRequiredError', message: 'X-Apikey header is missing' } }), 401);
    if (!keyOk) return (json(res, 401, { error: { code: 'WrongCredentialsError', message: 'The provided API key is incorrect.' } }), 401);
    const start = minuteStartOf(minute!);
    if (start + LAG_MS > this.now()) return (json(res, 400, { error: { code: 'NotAvailableYet', message: `Batch ${minute} is not available yet` } }), 400);
    if (start < this.now() - KEPT_MS || this.missingMinutes.has(`${type}/${minute}`)) return (json(res, 404, { error: { code: 'NotFoundError' } }), 404);
    const host = req.headers.host ?? '127.0.0.1';
    res.writeHead(302, { location: `http://${host}/feed-downloads/${type}/${minute}`, 'content-length': 0 });
    res.end();
    return 302;
  }

  /** The lines a minute's batch holds, in order (before any garbling). */
  lines(type: SimFeedType, minute: string): string[] {
    const drawn = minuteObjects(type, minuteStartOf(minute), this.options.objectsPerMinute ?? 10, this.options.poolSize ?? 40);
    return [...drawn, ...(this.extra.get(`${type}/${minute}`) ?? [])].map((o) => JSON.stringify(o));
  }

  /** Adds an object to the end of a minute's batch. */
  add(type: SimFeedType, minute: string, object: BareObject): void {
    const key = `${type}/${minute}`;
    this.extra.set(key, [...(this.extra.get(key) ?? []), object]);
    this.compressed.delete(key);
  }

  setMissing(type: SimFeedType, minutes: string[]): void {
    for (const minute of minutes) this.missingMinutes.add(`${type}/${minute}`);
  }

  garble(type: SimFeedType, minute: string, kind: GarbleKind | null): void {
    const key = `${type}/${minute}`;
    if (kind) this.garbled.set(key, kind);
    else this.garbled.delete(key);
    this.compressed.delete(key);
  }

  /** Serves a minute from a bzip2 file made elsewhere (the benchmark's 200 MB batch). */
  useFile(type: SimFeedType, minute: string, path: string): void {
    this.files.set(`${type}/${minute}`, path);
  }

  /**
   * The minute's download sends its first `bytes` bytes, then nothing more: the connection stays open
   * until the client gives up or the simulator closes (a download stalled mid-batch).
   */
  stall(type: SimFeedType, minute: string, bytes: number): void {
    this.stalls.set(`${type}/${minute}`, bytes);
  }

  private serve(type: SimFeedType, minute: string, res: ServerResponse): number {
    const key = `${type}/${minute}`;
    this.downloads.push(key);
    const file = this.files.get(key);
    const stallAt = this.stalls.get(key);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    if (file) {
      if (stallAt === undefined) createReadStream(file).pipe(res);
      else if (stallAt > 0) createReadStream(file, { end: stallAt - 1 }).pipe(res, { end: false });
      return 200;
    }
    let body = this.compressed.get(key);
    if (!body) {
      body = this.build(type, minute);
      this.compressed.set(key, body);
    }
    body.then((b) => (stallAt === undefined ? res.end(b) : res.write(b.subarray(0, stallAt))), (err: Error) => res.destroy(err));
    return 200;
  }

  private async build(type: SimFeedType, minute: string): Promise<Buffer> {
    const kind = this.garbled.get(`${type}/${minute}`);
    const lines = this.lines(type, minute);
    if (kind === 'json') lines.splice(Math.floor(lines.length / 2), 0, '{"id": "broken-line", "type":');
    const packed = await bzip2(`${lines.join('\n')}\n`);
    if (kind !== 'bzip2') return packed;
    // Bytes flipped inside the first block: the block's checksum (or its Huffman tables) no longer hold.
    const broken = Buffer.from(packed);
    for (let i = Math.floor(broken.length / 2); i < Math.min(broken.length - 12, Math.floor(broken.length / 2) + 16); i++) broken[i] = broken[i]! ^ 0x5a;
    return broken;
  }
}

/** Compresses with the real bzip2 program (Debian's `bzip2` package; .ci/run installs it). */
export function bzip2(text: string | NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('bzip2', ['-c', '-9'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`bzip2 exited with ${code}`))));
    if (typeof text === 'string') child.stdin.end(text);
    else text.pipe(child.stdin);
  });
}
