import type { NextFunction, Request, Response } from 'express';
import { NotFoundError } from '../shared/errors.js';

/**
 * Admin pages answer everyone else, signed in or not, with the same 404 as an unknown URL, so
 * their existence is not revealed. `res.locals.isAdmin` is set once per request by the locals middleware.
 */
export function requireAdmin(_req: Request, res: Response, next: NextFunction): void {
  if (res.locals.isAdmin === true && res.locals.currentUser) return next();
  next(new NotFoundError());
}
