import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../shared/database.js';
import { invalidToken, missingToken } from './api-errors.js';
import { authenticateToken } from './api-token.service.js';

export interface ApiCaller {
  userId: number;
  tokenId: number;
}

/**
 * Every /api/v1 call but the OpenAPI document carries `Authorization: Bearer <token>`. The API has no
 * session (it is mounted before it), so a browser's cookie grants nothing here, and CSRF has nothing to
 * forge: a cross-site page cannot set this header without a CORS preflight this app never allows.
 */
export function bearerAuth(db: Db) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    if (header === undefined || header.trim() === '') throw missingToken();
    const token = bearerTokenOf(header);
    const caller = token ? await authenticateToken(db, token) : null;
    if (!caller) throw invalidToken();
    res.locals.apiCaller = caller satisfies ApiCaller;
    next();
  };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerTokenOf(header: string | undefined): string | null {
  return /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? null;
}

/** The caller bearerAuth found; routes behind it only. */
export function apiCaller(res: Response): ApiCaller {
  const caller = res.locals.apiCaller as ApiCaller | undefined;
  if (!caller) throw missingToken();
  return caller;
}
