import { csrfSync } from 'csrf-sync';
import helmet from 'helmet';
import type { Request } from 'express';

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const body = req.body as Record<string, unknown> | undefined;
    const field = body?._csrf;
    return typeof field === 'string' ? field : req.get('x-csrf-token');
  },
});

export const csrfProtection = csrfSynchronisedProtection;
/**
 * The request's CSRF token, made (and kept in the session) only when a page prints it: EJS prints a
 * value through String(), so a page without a form never asks, and an anonymous visit to it leaves
 * no session row behind (express-session saves only a session that changed).
 */
export const lazyCsrfToken = (req: Request) => ({ toString: () => generateToken(req) });

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
