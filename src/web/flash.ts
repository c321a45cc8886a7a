import type { Request } from 'express';

// A one-time notice for the page a form redirects to: an action that redirects says what it did,
// once, and a reload or a bookmark of that page does not say it again.

declare module 'express-session' {
  interface SessionData {
    flash: string;
  }
}

/** Keeps `message` in the session for the next page; sessions without a user are left alone (none is kept for them). */
export function setFlash(req: Request, message: string): void {
  if (req.session.userId !== undefined) req.session.flash = message;
}

/** The waiting notice, removed as it is read, or null. */
export function takeFlash(req: Request): string | null {
  const message = req.session.flash;
  if (message === undefined) return null;
  delete req.session.flash;
  return message;
}
