import { z } from 'zod';
import { cleanText } from '../shared/text.js';
import { REPORT_STATUSES, VERDICTS } from '../reports/report.schemas.js';
import { ApiError, type ApiErrorCode } from './api-errors.js';

/** What `type=` may name; without it the type is read from the value. */
export const LOOKUP_TYPES = ['md5', 'sha1', 'sha256', 'domain', 'ip'] as const;

/** Values one JSON report may hold; a longer list is 413, as is a body over the byte limit. */
export const MAX_REPORT_VALUES = 100_000;
/** Longer than any hash, domain (253) or URL worth reading; a value is one line of a list. */
export const MAX_VALUE_CHARS = 2048;
export const MAX_NAME_CHARS = 200;

// Control characters in a name only ever come from a crafted request (as in the upload form).
const reportName = z
  .string()
  .max(MAX_NAME_CHARS, `Keep the report name under ${MAX_NAME_CHARS} characters.`)
  .transform(cleanText);

const oneValue = z
  .string({ error: (issue) => (issue.input === undefined ? 'Required: a hash, domain or IP address.' : 'Must be text, sent once.') })
  .min(1, 'A value is empty.')
  .max(MAX_VALUE_CHARS, `A value is longer than ${MAX_VALUE_CHARS} characters.`)
  .refine((v) => !/[\r\n]/.test(v), 'A value holds a line break: send one value per array element.')
  // As an upload with one is refused as binary; PostgreSQL's text cannot hold it at all.
  .refine((v) => !v.includes('\u0000'), 'A value holds a NUL character.');

const lookupType = z.enum(LOOKUP_TYPES, { error: `Must be one of ${LOOKUP_TYPES.join(', ')}.` });

/** GET /api/v1/lookup */
export const lookupQuery = z.strictObject({ value: oneValue, type: lookupType.optional() });

/** POST /api/v1/refresh */
export const refreshBody = z.strictObject({ value: oneValue, type: lookupType.optional() });

/** POST /api/v1/reports as JSON. */
export const createReportBody = z.strictObject({
  name: reportName.optional(),
  values: z.array(oneValue).min(1, 'Send at least one hash, domain or IP address.'),
  notify: z.boolean().optional(),
});

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** POST /api/v1/reports as text/plain: the list is the body, the rest comes in the query. */
export const textReportQuery = z.strictObject({ name: reportName.optional(), notify: flag.optional() });

const page = z.coerce.number({ error: 'Must be a whole number from 1.' }).int().min(1).max(1_000_000).default(1);
const perPage = (max: number, fallback: number) =>
  z.coerce.number({ error: `Must be a whole number from 1 to ${max}.` }).int().min(1).max(max).default(fallback);

/** GET /api/v1/reports */
export const reportListQuery = z.strictObject({
  page,
  per_page: perPage(100, 20),
  status: z.enum(REPORT_STATUSES, { error: `Must be one of ${REPORT_STATUSES.join(', ')}.` }).optional(),
  // Control characters go, as in the browser's search: SQLite's LIKE stops reading a pattern at NUL.
  q: z
    .string()
    .max(200, 'Longer than 200 characters.')
    .transform(cleanText)
    .optional(),
});

const verdicts = z
  .union([z.enum(VERDICTS), z.array(z.enum(VERDICTS))], { error: `Must be one of ${VERDICTS.join(', ')} (repeat verdict= for several).` })
  .optional()
  .transform((v) => (v === undefined ? [] : [v].flat()));

/** GET /api/v1/reports/:id */
export const reportItemsQuery = z.strictObject({ page, per_page: perPage(1000, 100), verdict: verdicts });

export type CreateReportBody = z.infer<typeof createReportBody>;

/** Parses `input`, or throws a 400 naming every problem by its path. */
export function parseApi<S extends z.ZodType>(schema: S, input: unknown, code: Extract<ApiErrorCode, 'invalid_body' | 'invalid_query'>): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  const first = details[0];
  const summary = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'The request is not valid.';
  throw new ApiError(400, code, summary, details);
}

/** Settings → API tokens: the name the user gives a new token. */
export const apiTokenForm = z.object({
  tokenName: z
    .string({ error: 'Send the token name once, as text.' })
    .optional()
    .transform((v) => cleanText(v ?? ''))
    .pipe(
      z
        .string()
        .min(1, 'Name the token after what will use it, e.g. "SOAR playbook".')
        .max(100, 'Keep the token name under 100 characters.'),
    ),
});

/** A token's id in Settings' revoke URL; anything else is the same 404 as someone else's token. */
export const apiTokenIdParam = z.string().regex(/^[1-9]\d{0,14}$/).transform(Number);
