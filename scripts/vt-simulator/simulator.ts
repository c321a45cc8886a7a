import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultPlan, type FaultKind } from './faults.js';
import { FileCatalogue } from './file-catalogue.js';
import type { FileObject, SimFileSpec } from './file-generator.js';
import { QuotaBook, type KeyLimits } from './quota.js';
import { FeedBook, type FeedOptions } from './feed-book.js';

export { PUBLIC_API_LIMITS, type KeyLimits } from './quota.js';
export { DEFAULT_FAULT_SEED, FAULT_KINDS, type FaultKind } from './faults.js';
export type { FileObject, SimFileSpec } from './file-generator.js';
export type { FeedBook, GarbleKind } from './feed-book.js';

export interface SimCall {
  /** Arrival time, from the `now` option. */
  at: number;
  path: string;
  /** The requested file hash, lowercased, for `/files/{hash}` calls. */
  hash?: string;
  key: string | null;
  /** 0 while the answer is pending (latency), and for 'reset' and 'timeout' faults, which never answer. */
  status: number;
  /** An injected fault (failNext or setFaultRate); such a call never reaches the quota. */
  fault?: FaultKind;
  /** A 429 the fake sent because the key's real quota was spent, as opposed to an injected '429'. */
  quotaRejected?: true;
}

export interface VtSimulatorOptions {
  keys: Record<string, KeyLimits>;
  /** Invent deterministic reports for unknown well-formed hashes (~20 % stay 404). Default false. */
  generate?: boolean;
  /** Length of the per-minute quota window; tests shrink it. Default 60000. */
  minuteMs?: number;
  /** Clock for quota windows, UTC day/month boundaries and the call log. Default Date.now. */
  now?: () => number;
  port?: number;
  host?: string;
  /** The per-minute feeds (feed-book.ts). */
  feeds?: FeedOptions;
}

export interface VtSimulator {
  /** Base URL to configure the app with: `http://127.0.0.1:PORT/api/v3`. */
  readonly url: string;
  readonly calls: SimCall[];
  /** Requests for a file (by any of its hashes), a domain or an IP. */
  callsFor(value: string): number;
  addFile(spec: SimFileSpec): FileObject;
  /**
   * The file `/files/{hash}` answers, by any alias, without counting a call or quota; undefined
   * where the answer is 404. In generate mode it may bring the file into being, as a call would.
   */
  fileFor(hash: string): FileObject | undefined;
  failNext(n: number, kind: FaultKind): void;
  /**
   * From now on each request, with probability `rate`, gets a fault drawn evenly from `kinds`,
   * after any queued by failNext. The same seed gives the same faults to the same arrivals.
   */
  setFaultRate(rate: number, kinds: readonly FaultKind[], seed?: number): void;
  setLatency(ms: number): void;
  /**
   * Holds every answer (calls still arrive and are recorded, with status 0) until `release`, so a
   * test can fix what is in flight at a moment without timing it.
   */
  hold(): void;
  release(): void;
  usage(key: string): { minute: number; hour: number; day: number; month: number };
  /** A key the fake accepts from now on, with its allowances (an analyst's own key, say). */
  addKey(key: string, limits: KeyLimits): void;
  /** A key the fake refuses from now on (401 WrongCredentialsError), as if revoked on VirusTotal's site. */
  revokeKey(key: string): void;
  /** 429s sent because a key's quota was spent: a client that keeps to its limits causes none. */
  quotaRejections(): number;
  /** 'timeout' requests whose connection is still open: each must go when its client gives up. */
  hungRequests(): number;
  /** The simulated feeds: missing minutes, garbled batches, objects added to a minute (feed-book.ts). */
  readonly feeds: FeedBook;
  reset(): void;
  close(): Promise<void>;
}

const AUTH_REQUIRED = { error: { code: 'AuthenticationRequiredError', message: 'X-Apikey header is missing' } };
const WRONG_KEY = { error: { code: 'WrongCredentialsError', message: 'The provided API key is incorrect.' } };
const QUOTA = { error: { code: 'QuotaExceededError', message: 'Quota exceeded' } };
const TRANSIENT = { error: { code: 'TransientError', message: 'Transient error, please retry' } };
const notFound = (what: string, id: string) => ({ error: { code: 'NotFoundError', message: `${what} "${id}" not found` } });

export async function startVtSimulator(options: VtSimulatorOptions): Promise<VtSimulator> {
  const now = options.now ?? Date.now;
  const catalogue = await FileCatalogue.load(options.generate ?? false);
  const quota = new QuotaBook(options.keys, options.minuteMs ?? 60_000, now);
  const calls: SimCall[] = [];
  const faults = new FaultPlan();
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const feeds = new FeedBook(now, options.feeds);
  let latencyMs = 0;
  /** Answers waiting for release(); null while not holding. */
  let held: Array<() => void> | null = null;

  const send = (res: ServerResponse, call: SimCall, status: number, body: unknown): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const write = () => {
      call.status = status;
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    later(write);
  };

  const later = (fn: () => void): void => {
    if (held) {
      held.push(fn);
      return;
    }
    if (latencyMs <= 0) return fn();
    const timer = setTimeout(() => { timers.delete(timer); fn(); }, latencyMs);
    timers.add(timer);
  };

  const injectFault = (kind: FaultKind, req: IncomingMessage, res: ServerResponse, call: SimCall): void => {
    call.fault = kind;
    switch (kind) {
      case '500':
        // A front-end failure, not an API answer: HTML, the way a load balancer would say it.
        return later(() => {
          call.status = 500;
          res.writeHead(500, { 'content-type': 'text/html; charset=UTF-8' });
          res.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
        });
      case '503': return send(res, call, 503, TRANSIENT);
      case '429': return send(res, call, 429, QUOTA);
      case '401': return send(res, call, 401, WRONG_KEY);
      case 'garbled': {
        const whole = JSON.stringify(catalogue.file('44d88612fea8a8f36de82e1278abb02f') ?? { data: { id: 'x' } });
        return send(res, call, 200, whole.slice(0, Math.floor(whole.length / 2)));
      }
      case 'reset': return later(() => req.socket.destroy());
      // No answer ever: the connection lasts until the client gives up (or close()), no longer.
      case 'timeout':
        hung.add(res);
        res.once('close', () => hung.delete(res));
        return;
    }
  };

  /**
   * `GET /users/{id}` (virustotal-api.md §7): the caller's own user object, asked for by its API key
   * or its user name, with the API quotas VirusTotal keeps for it. Like every call here it counts
   * against the key's quota (VirusTotal's docs do not say otherwise; the stricter reading).
   */
  const answerUser = (res: ServerResponse, call: SimCall, key: string, id: string): void => {
    const name = userNameOf(key);
    if (id !== key && id !== name) {
      if (quota.isKnown(id)) return send(res, call, 403, { error: { code: 'ForbiddenError', message: 'You are not authorized to perform the requested operation' } });
      return send(res, call, 404, notFound('User', id));
    }
    const limits = quota.limits[key]!;
    const used = quota.usage(key);
    const quotas: Record<string, { allowed: number; used: number }> = {
      api_requests_hourly: { allowed: limits.perMinute * 60, used: used.hour },
      api_requests_daily: { allowed: limits.perDay, used: used.day },
      ...(limits.perMonth !== undefined ? { api_requests_monthly: { allowed: limits.perMonth, used: used.month } } : {}),
    };
    const self = `https://www.virustotal.com/api/v3/users/${name}`;
    return send(res, call, 200, { data: { type: 'user', id: name, links: { self }, attributes: { quotas, status: 'active', user_since: 1_600_000_000 } } });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const header = req.headers['x-apikey']; // node lowercases header names, so any casing matches
    const key = (Array.isArray(header) ? header[0] : header) ?? null;
    const fileMatch = /^\/api\/v3\/files\/([^/]+)$/.exec(path);
    const hash = fileMatch ? decodeURIComponent(fileMatch[1]!).toLowerCase() : undefined;
    const call: SimCall = { at: now(), path, key, status: 0, ...(hash !== undefined ? { hash } : {}) };
    calls.push(call);
    // Feeds need a licence, not lookup quota: they are neither counted nor faulted like lookups.
    if (feeds.handles(path)) {
      call.status = feeds.answer(path, req, res, key, key !== null && quota.isKnown(key));
      return;
    }

    const fault = faults.next();
    if (fault) return injectFault(fault, req, res, call);
    if (key === null || key === '') return send(res, call, 401, AUTH_REQUIRED);
    if (!quota.isKnown(key)) return send(res, call, 401, WRONG_KEY);
    if (!quota.tryConsume(key)) {
      call.quotaRejected = true;
      return send(res, call, 429, QUOTA);
    }
    if (req.method !== 'GET') {
      return send(res, call, 400, { error: { code: 'BadRequestError', message: `Method ${req.method} not supported` } });
    }

    if (hash !== undefined) {
      const file = catalogue.file(hash);
      return file ? send(res, call, 200, file) : send(res, call, 404, notFound('File', hash));
    }
    const user = /^\/api\/v3\/users\/([^/]+)$/.exec(path);
    if (user) return answerUser(res, call, key, decodeURIComponent(user[1]!));
    const domain = /^\/api\/v3\/domains\/([^/]+)$/.exec(path);
    if (domain) {
      const id = decodeURIComponent(domain[1]!);
      const body = catalogue.domain(id);
      return body ? send(res, call, 200, body) : send(res, call, 404, notFound('Domain', id));
    }
    const ip = /^\/api\/v3\/ip_addresses\/([^/]+)$/.exec(path);
    if (ip) {
      const id = decodeURIComponent(ip[1]!);
      const body = catalogue.ip(id);
      return body ? send(res, call, 200, body) : send(res, call, 404, notFound('IpAddress', id));
    }
    return send(res, call, 404, notFound('Resource', path));
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      // A malformed percent-escape and the like: VirusTotal would call the request bad.
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'BadRequestError', message: 'Malformed request' } }));
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}/api/v3`,
    calls,
    callsFor(value) {
      const wanted = value.toLowerCase();
      // Domains and IPs have no aliases: count the requests for exactly that object.
      if (!/^[0-9a-f]+$/.test(wanted)) {
        return calls.filter((c) => /^\/api\/v3\/(domains|ip_addresses)\//.test(c.path) && decodeURIComponent(c.path.split('/').pop() ?? '').toLowerCase() === wanted).length;
      }
      const sha256 = catalogue.resolve(wanted);
      return calls.filter((c) => c.hash !== undefined
        && (c.hash === wanted || (sha256 !== undefined && catalogue.resolve(c.hash) === sha256))).length;
    },
    addFile: (spec) => catalogue.add(spec),
    fileFor: (hash) => catalogue.file(hash),
    failNext: (n, kind) => faults.queue(n, kind),
    setFaultRate: (rate, kinds, seed) => faults.setRate(rate, kinds, seed),
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    hold() {
      held ??= [];
    },
    release() {
      const answers = held ?? [];
      held = null;
      for (const answer of answers) later(answer);
    },
    usage: (key) => quota.usage(key),
    addKey: (key, limits) => quota.add(key, limits),
    revokeKey: (key) => quota.remove(key),
    quotaRejections: () => calls.filter((c) => c.quotaRejected).length,
    hungRequests: () => hung.size,
    feeds,
    reset() {
      calls.length = 0;
      faults.reset();
      latencyMs = 0;
      held = null;
      quota.reset();
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive and deliberately hung 'timeout' requests would otherwise hold close() open.
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/** A user name for a key, stable and without the key in it. */
function userNameOf(key: string): string {
  return `sim-user-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}
