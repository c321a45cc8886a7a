import type SQLite from 'better-sqlite3';
import session from 'express-session';

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
 * express-session store on our own SQLite file. Written here rather than taken from npm: the
 * available SQLite stores are unmaintained, GPL, or pull in a second native SQLite build.
 */
export class SqliteSessionStore extends session.Store {
  private readonly statements;
  private readonly pruneTimer: NodeJS.Timeout;

  private readonly ttlMs: number;
  private readonly keepSignedInMs: number;

  constructor(sqlite: SQLite.Database, options: SessionStoreOptions = {}) {
    super();
    this.ttlMs = options.ttlMs ?? DAY_MS;
    this.keepSignedInMs = options.keepSignedInMs ?? 0;
    this.statements = {
      get: sqlite.prepare<[string, number], { sess: string }>('SELECT sess FROM sessions WHERE sid = ? AND expires > ?'),
      set: sqlite.prepare<[string, string, number]>(
        'INSERT INTO sessions (sid, sess, expires) VALUES (?, ?, ?) ON CONFLICT(sid) DO UPDATE SET sess = excluded.sess, expires = excluded.expires',
      ),
      touch: sqlite.prepare<[number, string]>('UPDATE sessions SET expires = ? WHERE sid = ?'),
      destroy: sqlite.prepare<[string]>('DELETE FROM sessions WHERE sid = ?'),
      prune: sqlite.prepare<[number]>('DELETE FROM sessions WHERE expires <= ?'),
    };
    this.pruneTimer = setInterval(() => this.prune(), 15 * 60_000).unref();
  }

  private expiry(sess: session.SessionData): number {
    const expires = sess.cookie?.expires;
    const cookieExpiry = expires ? new Date(expires).getTime() : Date.now() + this.ttlMs;
    const signedIn = typeof sess.createdAt === 'number' ? sess.createdAt + this.keepSignedInMs : 0;
    return Math.max(cookieExpiry, signedIn);
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    try {
      const row = this.statements.get.get(sid, Date.now());
      cb(null, row ? (JSON.parse(row.sess) as session.SessionData) : null);
    } catch (err) {
      cb(err);
    }
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    try {
      this.statements.set.run(sid, JSON.stringify(sess), this.expiry(sess));
      cb?.();
    } catch (err) {
      cb?.(err);
    }
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    try {
      this.statements.touch.run(this.expiry(sess), sid);
      cb?.();
    } catch (err) {
      cb?.(err);
    }
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    try {
      this.statements.destroy.run(sid);
      cb?.();
    } catch (err) {
      cb?.(err);
    }
  }

  prune(): number {
    return this.statements.prune.run(Date.now()).changes;
  }

  close(): void {
    clearInterval(this.pruneTimer);
  }
}
