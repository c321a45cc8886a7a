import session from 'express-session';
import type { Db } from '../shared/database.js';
import * as sessions from './session.repository.js';

const DAY_MS = 86_400_000;

/**
 * How long an instance may answer from its own copy of a session row (SECURITY.md, "Session
 * caching"): a session signed out on another instance lives on here at most this long. Password
 * changes and disabled accounts are not subject to it: the user row is read on every request.
 */
export const SESSION_CACHE_MS = 5_000;
/** Most sessions an instance keeps a copy of; the least recently read goes first. */
const MAX_CACHED_SESSIONS = 10_000;

export interface SessionStoreOptions {
  /** Row lifetime when a session carries no cookie expiry. */
  ttlMs?: number;
  /**
   * A signed-in session's row is kept this long after sign-in even when its cookie lapsed first, so
   * a late request is recognised and told that the session expired rather than met as a stranger.
   */
  keepSignedInMs?: number;
  /** See SESSION_CACHE_MS; 0 reads the row on every request. */
  cacheMs?: number;
  /** A row's expiry is moved on only when it would move by at least this much (default a minute). */
  touchEveryMs?: number;
}

interface PendingSave {
  sess: string;
  expires: number;
  /** A session this instance knew (read or wrote): saved by UPDATE only, so a sign-out elsewhere is never undone. */
  known: boolean;
  callbacks: Array<((err?: unknown) => void) | undefined>;
}

interface CachedSession {
  sess: string;
  /** The row's expiry as this instance last read or wrote it. */
  expires: number;
  readAt: number;
}

/**
 * express-session store on our own database (SQLite or PostgreSQL, through Kysely). Written here
 * rather than taken from npm: the available SQLite stores are unmaintained, GPL, or pull in a second
 * native SQLite build, and one store serves both databases.
 *
 * A signed-in page used to cost a read and a rewrite (with an fsync) of the row; now a row read in
 * the last `cacheMs` is answered from memory, and an unchanged session's expiry is written at most
 * once per `touchEveryMs`.
 */
export class DatabaseSessionStore extends session.Store {
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly ttlMs: number;
  private readonly keepSignedInMs: number;
  private readonly cacheMs: number;
  private readonly touchEveryMs: number;
  private readonly cache = new Map<string, CachedSession>();
  private readonly pending = new Map<string, PendingSave>();
  /**
   * Set by the session middleware (web/session.ts) for the one synchronous `get` of a request that
   * changes state: a form post reads the row itself, so a CSRF token or a flash another instance
   * just stored is never missed where it counts.
   */
  readThrough = false;

  constructor(
    private readonly db: Db,
    options: SessionStoreOptions = {},
  ) {
    super();
    this.ttlMs = options.ttlMs ?? DAY_MS;
    this.keepSignedInMs = options.keepSignedInMs ?? 0;
    this.cacheMs = options.cacheMs ?? SESSION_CACHE_MS;
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
  }

  /** Deletes expired sessions every `everyMs`: on the leading instance only, once per deployment. */
  startPruning(everyMs = 15 * 60_000): void {
    this.pruneTimer ??= setInterval(() => void this.prune().catch(() => undefined), everyMs).unref();
  }

  private expiry(sess: session.SessionData): number {
    const expires = sess.cookie?.expires;
    const cookieExpiry = expires ? new Date(expires).getTime() : Date.now() + this.ttlMs;
    const signedIn = typeof sess.createdAt === 'number' ? sess.createdAt + this.keepSignedInMs : 0;
    return Math.max(cookieExpiry, signedIn);
  }

  private remember(sid: string, entry: CachedSession): void {
    if (this.cacheMs <= 0) return;
    this.cache.delete(sid);
    if (this.cache.size >= MAX_CACHED_SESSIONS) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(sid, entry);
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    const now = Date.now();
    const hit = this.readThrough ? undefined : this.cache.get(sid);
    // A fresh parse each time: express-session changes the object it is given.
    if (hit && now - hit.readAt < this.cacheMs && hit.expires > now) return cb(null, JSON.parse(hit.sess) as session.SessionData);
    this.cache.delete(sid);
    sessions.findLiveSession(this.db, sid, now).then(
      (row) => {
        if (row) this.remember(sid, { sess: row.sess, expires: row.expires, readAt: now });
        cb(null, row ? (JSON.parse(row.sess) as session.SessionData) : null);
      },
      (err: unknown) => cb(err),
    );
  }

  /**
   * Queued and written with the other sessions saved in the same turn of the event loop, in one
   * statement: each new session (a sign-in) no longer costs a commit of its own. The callback
   * still waits for the commit.
   */
  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const text = JSON.stringify(sess);
    const expires = this.expiry(sess);
    const queued = this.pending.get(sid);
    // Only a session id this instance has not seen is new: express-session makes one for each new visitor and sign-in.
    const known = queued ? queued.known : this.cache.has(sid);
    this.remember(sid, { sess: text, expires, readAt: Date.now() });
    this.pending.set(sid, { sess: text, expires, known, callbacks: [...(queued?.callbacks ?? []), cb] });
    if (this.pending.size === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = [...this.pending];
    this.pending.clear();
    if (batch.length === 0) return;
    const settle = (err?: unknown) => {
      for (const [sid, write] of batch) {
        if (err) this.cache.delete(sid);
        for (const cb of write.callbacks) cb?.(err);
      }
    };
    const rows = batch.map(([sid, { sess, expires, known }]) => ({ sid, sess, expires, known }));
    const fresh = rows.filter((row) => !row.known);
    Promise.all([
      fresh.length > 0 ? sessions.upsertSessions(this.db, fresh) : undefined,
      ...rows.filter((row) => row.known).map((row) => sessions.updateSession(this.db, row)),
    ]).then(() => settle(), settle);
  }

  /** Moves the row's expiry on; skipped while the row, as last seen here, expires less than `touchEveryMs` earlier. */
  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const expires = this.expiry(sess);
    const known = this.cache.get(sid);
    if (known && expires - known.expires < this.touchEveryMs) return cb?.();
    done(
      sessions.touchSession(this.db, sid, expires).then(() => {
        if (known) known.expires = expires;
      }),
      cb,
    );
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.cache.delete(sid);
    // A save still queued would bring the row back after the delete.
    for (const queued of this.pending.get(sid)?.callbacks ?? []) queued?.();
    this.pending.delete(sid);
    done(sessions.deleteSession(this.db, sid), cb);
  }

  prune(): Promise<number> {
    return sessions.deleteExpiredSessions(this.db, Date.now());
  }

  close(): void {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    this.cache.clear();
  }
}

/** express-session's callback style over a promise. */
function done(work: Promise<void>, cb?: (err?: unknown) => void): void {
  work.then(
    () => cb?.(),
    (err: unknown) => cb?.(err),
  );
}
