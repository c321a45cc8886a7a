import { csrfSync } from 'csrf-sync';
import helmet from 'helmet';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AnonymousCsrf } from './anonymous-csrf.js';

/** The token a request carries: the form's `_csrf` field, else the X-CSRF-Token header (status polls, JSON). */
function submittedToken(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const field = body?._csrf;
  return typeof field === 'string' ? field : req.get('x-csrf-token');
}

const { csrfSynchronisedProtection, generateToken, invalidCsrfTokenError } = csrfSync({ getTokenFromRequest: submittedToken });

/** The session-bound check alone: the upload route runs it after multer, and it is signed-in only. */
export const csrfProtection = csrfSynchronisedProtection;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF on every state-changing request: a signed-in session's request needs the session's token;
 * any other needs the token bound to the browser's anonymous-form cookie (web/anonymous-csrf.ts).
 * Neither kind stands in for the other, and both fail the same way (errorHandler's "Form expired").
 */
export function formProtection(anonymous: AnonymousCsrf): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.session.userId !== undefined || SAFE_METHODS.has(req.method)) return csrfSynchronisedProtection(req, res, next);
    next(anonymous.verify(req, submittedToken(req)) ? undefined : invalidCsrfTokenError);
  };
}

/**
 * The request's CSRF token, made only when a page prints it (EJS prints a value through String()):
 * the session's for a signed-in user (kept in the session, which is saved anyway), else the
 * anonymous-form token, which stores nothing. An anonymous page therefore never writes a session row.
 */
export const lazyCsrfToken = (req: Request, res: Response, anonymous: AnonymousCsrf) => ({
  toString: () => (req.session.userId !== undefined ? generateToken(req) : anonymous.token(req, res)),
});

/** helmet with a CSP that allows only our own scripts and styles: no inline code anywhere. */
export function securityHeaders(options: { upgradeInsecure: boolean }) {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // Over plain http on a LAN name, upgrading would break every form post.
        upgradeInsecureRequests: options.upgradeInsecure ? [] : null,
      },
    },
  });
}
