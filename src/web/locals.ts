import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../shared/database.js';
import type { CurrentUser } from '../auth/auth.service.js';
import { isAdmin } from '../admin/admin.service.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { lazyCsrfToken } from './security.js';
import type { AnonymousCsrf } from './anonymous-csrf.js';
import { takeFlash } from './flash.js';
import { shortValue } from './short-value.js';

/** Everything every view may use, set once per request; views read nothing else. */
export function locals(options: { db: Db; lookups: Pick<LookupEngine, 'bannerFor'>; mailEnabled: boolean; adminEmails: readonly string[]; anonymousCsrf: AnonymousCsrf }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const userId = req.session.userId;
    // Read by web/session.ts for this request; null for a disabled account.
    const user = userId === undefined ? null : ((res.locals.sessionUser as CurrentUser | null | undefined) ?? null);
    if (userId !== undefined && !user) delete req.session.userId;
    res.locals.currentUser = user;
    res.locals.isAdmin = user ? isAdmin(options.adminEmails, user) : false;
    res.locals.csrfToken = lazyCsrfToken(req, res, options.anonymousCsrf);
    res.locals.banner = user ? options.lookups.bannerFor(user.id) : null;
    res.locals.mailEnabled = options.mailEnabled;
    res.locals.shortValue = shortValue;
    res.locals.errors = {};
    res.locals.values = {};
    res.locals.formError = null;
    // Read only by a page a person sees: a download or a status poll would swallow the notice.
    res.locals.flash = req.method === 'GET' && req.accepts(['html', 'json']) === 'html' ? takeFlash(req) : null;
    // Marks the current page in the menu; a form posted back with errors is no menu page.
    res.locals.path = req.method === 'GET' ? req.path : '';
    next();
  };
}
