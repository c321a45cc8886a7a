import type { z } from 'zod';
import { ValidationError } from '../shared/errors.js';

/** Parses a form body with a zod schema, or throws ValidationError with one message per field. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    fields[key] ??= issue.message;
  }
  throw new ValidationError(Object.values(fields)[0] ?? 'Check the form.', fields);
}

/** Renders a form view again on error; the error handler reads it from res.locals. */
export function formView(view: string) {
  return (_req: unknown, res: { locals: Record<string, unknown> }, next: () => void) => {
    res.locals.formView = view;
    next();
  };
}
