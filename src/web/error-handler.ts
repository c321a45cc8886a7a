import type { NextFunction, Request, Response } from 'express';
import { AppError, ConflictError, TooManyRequestsError, ValidationError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

// Never sent back into a re-rendered form: passwords, tokens, and API keys.
const SECRET_FIELDS = new Set(['password', 'confirm', 'currentPassword', 'newPassword', '_csrf', 'key']);

/** Longer values are not echoed: a form refused for a megabyte-long field should not send it back. */
const MAX_KEPT_LENGTH = 2000;

function keptValues(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(
    Object.entries(body).filter(([k, v]) => !SECRET_FIELDS.has(k) && typeof v === 'string' && v.length <= MAX_KEPT_LENGTH),
  );
}

/** body-parser's own limits (64 KB, 50 fields), for any url-encoded form. */
function isFormTooLarge(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return type === 'entity.too.large' || type === 'parameters.too.many';
}

function isCsrfError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'EBADCSRFTOKEN';
}

export function notFound(_req: Request, res: Response): void {
  res.status(404).render('errors/404');
}

/**
 * The one error path. Known errors on a form re-render that form with the message and the
 * submitted values (never passwords); anything unknown is logged and shown as a generic page.
 */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const log = req.log ?? logger;
    if (res.headersSent) {
      log.error({ err, url: req.originalUrl }, 'error after the response started');
      res.destroy();
      return;
    }
    if (isCsrfError(err)) {
      res.status(403).render('errors/error', {
        title: 'Form expired',
        message: 'This form was open too long or came from another site. Go back, reload the page and try again.',
      });
      return;
    }
    if (err instanceof TooManyRequestsError) res.set('Retry-After', String(err.retryAfterSeconds));
    if (err instanceof AppError && err.expose) {
      const view = res.locals.formView as string | undefined;
      if (view && req.method === 'POST') {
        const fields = err instanceof ValidationError || err instanceof ConflictError ? err.fields : {};
        res.status(err.status).render(view, { formError: err.message, errors: fields, values: keptValues(req.body) });
        return;
      }
      if (err.status === 404) return notFound(req, res);
      res.status(err.status).render('errors/error', { title: 'Something is not right', message: err.message });
      return;
    }
    if (isFormTooLarge(err)) {
      res.status(413).render('errors/error', { title: 'Form too large', message: 'The form sent too many or too long fields. Go back and shorten what you entered.' });
      return;
    }
    const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 400 && status < 500) {
      res.status(status).render('errors/error', { title: 'Bad request', message: 'The request could not be understood.' });
      return;
    }
    // The page says nothing of the cause (no message, no stack, in any mode); the log has it all,
    // under the id the page shows.
    log.error({ err, url: req.originalUrl }, 'unhandled error');
    res.status(500).render('errors/error', {
      title: 'Something went wrong',
      message: 'An unexpected error happened. It has been logged; try again in a moment.',
      reference: String(req.id ?? ''),
    });
  };
}
