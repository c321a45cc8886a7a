import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * CSRF tokens for visitors who are not signed in: a signed double-submit cookie (SECURITY.md,
 * "Forms before sign-in"). The browser holds a random value in an HttpOnly cookie; the form carries
 * an HMAC of it under a key only the server has. Nothing is stored server-side, so opening the
 * sign-in form no longer writes a session row (one per GET, without limit, was a storage DoS).
 * Signed-in requests keep the session-bound token (web/security.ts).
 */
export interface AnonymousCsrf {
  /** The token for this browser's forms; sets the cookie on the response when the browser has none. */
  token(req: Request, res: Response): string;
  /** Whether `submitted` is the token for the value in this request's cookie (constant time). */
  verify(req: Request, submitted: unknown): boolean;
}

/** 32 random bytes, base64url: anything else in the cookie is ignored. */
const NONCE = /^[A-Za-z0-9_-]{43}$/;
const KEY_LABEL = 'hash_report anonymous form CSRF v1';

export function anonymousCsrf(options: { secret: string; secure: boolean }): AnonymousCsrf {
  // A key of its own, derived from the session secret: a token is never an express-session cookie
  // signature, and the secret itself is used for one thing only.
  const key = Buffer.from(hkdfSync('sha256', options.secret, '', KEY_LABEL, 32));
  // __Host- (only with Secure): no subdomain can set or overwrite it, which closes cookie tossing.
  const name = options.secure ? '__Host-hash_report.csrf' : 'hash_report.csrf';
  const sign = (nonce: string) => createHmac('sha256', key).update(nonce).digest();
  // A nonce made during this request, before the browser has the cookie: the page's forms share it.
  const made = new WeakMap<Request, string>();

  return {
    token(req, res) {
      let nonce = made.get(req) ?? readCookie(req, name);
      if (!nonce) {
        nonce = randomBytes(32).toString('base64url');
        made.set(req, nonce);
        res.cookie(name, nonce, { httpOnly: true, sameSite: 'lax', secure: options.secure, path: '/' });
      }
      return sign(nonce).toString('base64url');
    },
    verify(req, submitted) {
      const nonce = readCookie(req, name);
      if (!nonce || typeof submitted !== 'string') return false;
      const given = Buffer.from(submitted, 'base64url');
      const expected = sign(nonce);
      // The length is public (every token has it); only the bytes are compared in constant time.
      return given.length === expected.length && given.toString('base64url') === submitted && timingSafeEqual(given, expected);
    },
  };
}

/** The cookie's value when it is well formed; the first one wins, as in express-session. */
function readCookie(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) {
      const value = pair.slice(eq + 1).trim();
      return NONCE.test(value) ? value : undefined;
    }
  }
  return undefined;
}
