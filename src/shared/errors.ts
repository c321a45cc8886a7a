/**
 * The app's small error vocabulary. Services throw these; the one error handler turns them into
 * pages. Only `expose`d messages reach users; anything else is logged and shown as a generic error.
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly expose = true,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found') {
    super(message, 404, 'not_found');
  }
}

/** A form input problem; `fields` maps a field name to its message, `form` names the view to re-render. */
export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message, 422, 'invalid_input');
  }
}

export class ConflictError extends AppError {
  constructor(message: string, readonly fields: Record<string, string> = {}) {
    super(message, 409, 'conflict');
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Wrong email or password.') {
    super(message, 401, 'unauthorized');
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(message, 413, 'too_large');
  }
}

/** A service outside the app (the SMTP server, say) failed; the message says why, without secrets. */
export class UpstreamError extends AppError {
  constructor(message: string) {
    super(message, 502, 'upstream');
  }
}

/** Too many tries too fast; the client may try again after `retryAfterSeconds` (sent as Retry-After). */
export class TooManyRequestsError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message, 429, 'too_many_requests');
  }
}
