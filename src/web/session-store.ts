import session from 'express-session';
import type { Db } from '../shared/database.js';
import * as sessions from './session.repository.js';

const DAY_MS = 86_400_000;

export interface SessionStoreOptions {
  /** Row lifetime when a session carries no cookie expiry. */
  ttlMs?: number;
  /**
   * A signed-in session's row is kept this long after sign-in even when its cookie lapsed first, so
   * a late request is recognised and told that the session expired rather than met as a stranger.
   */
  keepSignedInMs?: number;
}

/**
 * express-session store on our own database (SQLite or PostgreSQL, through Kysely). Written here
 * rather than taken from npm: the available SQLite stores are unmaintained, GPL, or pull in a second
 * native SQLite build, and one store serves both databases.
 */
export class DatabaseSessionStore extends session.Store {
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly ttlMs: number;
  private readonly keepSignedInMs: number;

  constructor(
    private readonly db: Db,
    options: SessionStoreOptions = {},
  ) {
    super();
    this.ttlMs = options.ttlMs ?? DAY_MS;
    this.keepSignedInMs = options.keepSignedInMs ?? 0;
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

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    sessions
      .findLiveSession(this.db, sid, Date.now())
      .then((sess) => (sess ? (JSON.parse(sess) as session.SessionData) : null))
      .then(
        (sess) => cb(null, sess),
        (err: unknown) => cb(err),
      );
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    done(sessions.upsertSession(this.db, sid, JSON.stringify(sess), this.expiry(sess)), cb);
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    done(sessions.touchSession(this.db, sid, this.expiry(sess)), cb);
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    done(sessions.deleteSession(this.db, sid), cb);
  }

  prune(): Promise<number> {
    return sessions.deleteExpiredSessions(this.db, Date.now());
  }

  close(): void {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
  }
}

/** express-session's callback style over a promise. */
function done(work: Promise<void>, cb?: (err?: unknown) => void): void {
  work.then(
    () => cb?.(),
    (err: unknown) => cb?.(err),
  );
}
