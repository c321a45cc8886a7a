import type { NextFunction, Request, Response } from 'express';
import { TooManyRequestsError } from '../shared/errors.js';
import type { UserRateLimiter } from '../shared/user-rate-limiter.js';

/**
 * UPLOADS_PER_MINUTE, for the form and the API alike (one limiter, shared by both routes): every
 * upload a user starts counts, accepted or refused later, and the one over the limit gets a 429 with
 * Retry-After before its body is read or parsed. Node reads and drops the unread body after the answer.
 */
export function limitUploads(limiter: UserRateLimiter, userIdOf: (res: Response) => number) {
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    const verdict = await limiter.take(userIdOf(res));
    if (!verdict.ok) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      throw new TooManyRequestsError(
        `Too many uploads: at most ${limiter.perWindow} a minute. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
        seconds,
      );
    }
    next();
  };
}
