import { z } from 'zod';

/**
 * A form field a browser sends once, as text. A repeated name (`name=a&name=b`) or a bracketed one
 * (`name[x]`) reaches the body as an array or object: say so, rather than zod's "expected string".
 */
const formText = (label: string) => z.string({ error: `Send the ${label} once, as text.` }).optional();

export const uploadSchema = z.object({
  name: formText('report name')
    // Control characters in a name only ever come from a crafted request.
    .transform((v) => (v ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim())
    .pipe(z.string().max(200, 'Keep the report name under 200 characters.')),
  hashes: formText('pasted hashes').default(''),
  notify: formText('email choice'),
});

export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
});

export const reportIdParam = z.string().regex(/^[A-Za-z0-9_-]{10,64}$/);

export const itemIdParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const engineSortQuery = z.object({
  sort: z.enum(['detections', 'engine', 'category', 'result', 'updated']).catch('detections'),
});
