import { randomBytes } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import session from 'express-session';
import type { Db } from '../shared/database.js';
import { insertSettingOnce } from '../auth/user.repository.js';
import { SqliteSessionStore } from './session-store.js';

declare module 'express-session' {
  interface SessionData {
    userId: number;
  }
}

const SESSION_TTL_MS = 7 * 86_400_000;

/** SESSION_SECRET when set; otherwise one generated on first start and kept, so sessions survive restarts. */
export async function resolveSessionSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  return insertSettingOnce(db, 'session_secret', randomBytes(48).toString('base64url'));
}

export function createSessionMiddleware(options: { sqlite: SQLite.Database; secret: string; secure: boolean }) {
  const store = new SqliteSessionStore(options.sqlite, SESSION_TTL_MS);
  const middleware = session({
    name: 'hash_report.sid',
    store,
    secret: options.secret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: SESSION_TTL_MS },
  });
  return { middleware, store };
}
