import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../shared/database.js';
import { findCurrentUser } from '../auth/auth.service.js';
import type { Pause } from '../lookups/pause.js';
import { csrfToken } from './security.js';

/** Everything every view may use, set once per request; views read nothing else. */
export function locals(options: { db: Db; pause: () => Pause | null; mailEnabled: boolean }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const userId = req.session.userId;
    const user = userId === undefined ? null : await findCurrentUser(options.db, userId);
    if (userId !== undefined && !user) delete req.session.userId;
    res.locals.currentUser = user;
    res.locals.csrfToken = csrfToken(req);
    res.locals.banner = user ? options.pause() : null;
    res.locals.mailEnabled = options.mailEnabled;
    res.locals.errors = {};
    res.locals.values = {};
    res.locals.formError = null;
    // Marks the current page in the menu; a form posted back with errors is no menu page.
    res.locals.path = req.method === 'GET' ? req.path : '';
    next();
  };
}
