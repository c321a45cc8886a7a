import type { UserRateLimiter } from '../shared/user-rate-limiter.js';
import type { NextFunction, Request, Response } from 'express';
import { TooManyRequestsError } from '../shared/errors.js';
import { apiCaller } from './bearer-auth.js';

/** After bearerAuth: 429 with Retry-After once the caller's user is over the limit. */
export function apiRateLimit(limiter: UserRateLimiter) {
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    const verdict = await limiter.take(apiCaller(res).userId);
    res.set('RateLimit-Limit', String(limiter.perWindow));
    if (!verdict.ok) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      res.set('RateLimit-Remaining', '0');
      throw new TooManyRequestsError(`Too many API requests: at most ${limiter.perWindow} a minute per user. Try again in ${seconds} s.`, seconds);
    }
    res.set('RateLimit-Remaining', String(verdict.remaining));
    next();
  };
}
