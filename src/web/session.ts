import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type { Db } from '../shared/database.js';
import { insertSettingOnce } from '../auth/user.repository.js';
import { findSessionUser } from '../auth/auth.service.js';
import { DatabaseSessionStore } from './session-store.js';

declare module 'express-session' {
  interface SessionData {
    userId: number;
    /** When the user signed in: SESSION_MAX_HOURS counts from here. */
    createdAt: number;
    /** The user's last request: SESSION_IDLE_MINUTES counts from here. */
    lastSeenAt: number;
  }
}

export const SESSION_COOKIE = 'hash_report.sid';

export interface SessionOptions {
  db: Db;
  secret: string;
  secure: boolean;
  /** A signed-in session ends after this long without a request. */
  idleMs: number;
  /** A signed-in session ends this long after sign-in, however active. */
  maxMs: number;
  /** web/session-store.ts SESSION_CACHE_MS unless given (tests shorten it). */
  cacheMs?: number;
}

/** SESSION_SECRET when set; otherwise one generated on first start and kept, so sessions survive restarts. */
export async function resolveSessionSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  return insertSettingOnce(db, 'session_secret', randomBytes(48).toString('base64url'));
}

export function createSessionMiddleware(options: SessionOptions): { middleware: RequestHandler[]; store: DatabaseSessionStore } {
  // The row's expiry and lastSeenAt move on at most once a minute (finer under a short idle limit, as
  // in the tests): a page view that changes nothing else writes nothing.
  const touchEveryMs = Math.min(60_000, options.idleMs / 10);
  const store = new DatabaseSessionStore(options.db, { ttlMs: options.idleMs, keepSignedInMs: options.maxMs, cacheMs: options.cacheMs, touchEveryMs });
  const middleware = session({
    name: SESSION_COOKIE,
    store,
    secret: options.secret,
    resave: false,
    saveUninitialized: false,
    // Every response pushes the cookie's expiry on by the idle limit: the browser forgets an idle session too.
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: options.idleMs },
  });
  const sessionForRequest: RequestHandler = (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && !hasCookie(req, SESSION_COOKIE)) return visitorWithoutSession(req, next);
    // express-session asks the store for the row synchronously, inside this call: the flag covers exactly that read.
    store.readThrough = req.method !== 'GET' && req.method !== 'HEAD';
    try {
      middleware(req, res, next);
    } finally {
      store.readThrough = false;
    }
  };
  return { middleware: [sessionForRequest, endExpiredSessions(options, touchEveryMs)], store };
}

/**
 * A page view by a browser that has no session: there is nothing to read and nothing it may keep (a
 * visitor's page view never writes a session row; its forms' tokens need none, web/anonymous-csrf.ts),
 * so express-session's work (a session id, the session's hash, the checks at the end) is skipped. The
 * session it gets is empty and bound to no store: saving or regenerating it would throw, not write.
 */
function visitorWithoutSession(req: Request, next: NextFunction): void {
  // Its constructor is private in the types only: express-session itself makes one the same way.
  const SessionOf = session.Session as unknown as new (request: Request) => Request['session'];
  req.session = new SessionOf(req);
  next();
}

/** Whether the request sends a cookie of this name (its value is express-session's to judge). */
function hasCookie(req: Request, name: string): boolean {
  const header = req.headers.cookie;
  return header !== undefined && header.split(';').some((pair) => pair.trimStart().startsWith(`${name}=`));
}

/**
 * Ends a signed-in session past the idle or the absolute limit, or one older than the user's last
 * password change or than an admin's disabling of the account. The request goes on with a fresh anonymous session; `res.locals.sessionExpired`
 * lets the login redirect say why. The user row read here is the request's one read of it:
 * `res.locals.sessionUser` hands it to web/locals.ts.
 */
function endExpiredSessions(options: SessionOptions, touchEveryMs: number): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const { userId, createdAt = 0, lastSeenAt = 0 } = req.session;
    if (userId === undefined) return next();
    const now = Date.now();
    const inTime = now - lastSeenAt < options.idleMs && now - createdAt < options.maxMs;
    const user = inTime ? await findSessionUser(options.db, userId, createdAt) : 'ended';
    if (user !== 'ended' && user !== 'revoked') {
      res.locals.sessionUser = user;
      if (now - lastSeenAt >= touchEveryMs) req.session.lastSeenAt = now;
      return next();
    }
    // A session an admin closed is signed out, not "expired": the sign-in page then says the account is disabled.
    if (user === 'ended') res.locals.sessionExpired = true;
    req.session.regenerate(next);
  };
}

/** A new session id on every sign-in, so a session id planted before sign-in is worthless. */
export function startSignedInSession(req: Request, userId: number): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((err) => {
      if (err) return reject(err);
      const now = Date.now();
      Object.assign(req.session, { userId, createdAt: now, lastSeenAt: now });
      req.session.save((saveErr) => (saveErr ? reject(saveErr) : resolve()));
    });
  });
}
