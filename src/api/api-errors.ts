import type { NextFunction, Request, Response } from 'express';
import { AppError, NotFoundError, PayloadTooLargeError, TooManyRequestsError, ValidationError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/** Every `error.code` the API sends; the OpenAPI document lists the same. */
export const API_ERROR_CODES = [
  'invalid_json',
  'invalid_body',
  'invalid_query',
  'invalid_value',
  'missing_token',
  'invalid_token',
  'not_found',
  'too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal_error',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: Array<{ path: string; message: string }> };
}

/** An API error with its HTTP status and stable code; the message is meant for the caller. */
export class ApiError extends AppError {
  constructor(
    status: number,
    override readonly code: ApiErrorCode,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
  ) {
    super(message, status, code);
  }
}

const REALM = 'Bearer realm="Hash Report API"';

export const missingToken = () => new ApiError(401, 'missing_token', 'Send your API token as "Authorization: Bearer <token>" (create one in Settings).');
export const invalidToken = () => new ApiError(401, 'invalid_token', 'The API token is not valid: it is unknown, revoked, or its account is disabled.');

/** Unknown paths under /api answer JSON, never the HTML 404 page. */
export function apiNotFound(req: Request, res: Response): void {
  send(res, 404, { code: 'not_found', message: `No API endpoint ${req.method} ${req.originalUrl.split('?')[0] ?? ''}.` });
}

/**
 * The API's one error path: every failure is `{ error: { code, message } }` with its status. Known
 * errors say what was wrong; anything else is logged and answered with a generic message and the
 * request id, as the HTML error page does.
 */
export function apiErrorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const log = req.log ?? logger;
    if (res.headersSent) {
      log.error({ err, url: req.originalUrl }, 'API error after the response started');
      res.destroy();
      return;
    }
    const known = toApiError(err);
    if (known) {
      if (known.status === 401) res.set('WWW-Authenticate', known.code === 'invalid_token' ? `${REALM}, error="invalid_token"` : REALM);
      if (err instanceof TooManyRequestsError) res.set('Retry-After', String(err.retryAfterSeconds));
      send(res, known.status, { code: known.code, message: known.message, ...(known.details ? { details: known.details } : {}) });
      return;
    }
    log.error({ err, url: req.originalUrl }, 'unhandled API error');
    send(res, 500, { code: 'internal_error', message: `An unexpected error happened. It has been logged under reference ${String(req.id ?? '')}.` });
  };
}

function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof TooManyRequestsError) return new ApiError(429, 'rate_limited', err.message);
  if (err instanceof NotFoundError) return new ApiError(404, 'not_found', err.message);
  if (err instanceof PayloadTooLargeError) return new ApiError(413, 'too_large', err.message);
  // The importer's refusals (an unreadable or value-less list) are the body's fault.
  if (err instanceof ValidationError) return new ApiError(400, 'invalid_body', err.message);
  return bodyParserError(err);
}

/** body-parser's own errors carry a `type`; they are the client's, never a 500. */
function bodyParserError(err: unknown): ApiError | null {
  const { type, status, limit } = (err ?? {}) as { type?: unknown; status?: unknown; limit?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number') return null;
  switch (type) {
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'The body is not valid JSON.');
    case 'entity.too.large':
      return new ApiError(413, 'too_large', `The body is larger than the limit of ${typeof limit === 'number' ? `${limit} bytes` : 'this endpoint'}.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_media_type', 'Send the body as UTF-8, without a content encoding.');
    default:
      return status >= 400 && status < 500 ? new ApiError(400, 'invalid_body', 'The body could not be read.') : null;
  }
}

function send(res: Response, status: number, error: ApiErrorBody['error']): void {
  res.status(status).json({ error } satisfies ApiErrorBody);
}
