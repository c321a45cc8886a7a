import { z } from 'zod';

export const uploadSchema = z.object({
  name: z
    .string()
    .optional()
    // Control characters in a name only ever come from a crafted request.
    .transform((v) => (v ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim())
    .pipe(z.string().max(200, 'Keep the report name under 200 characters.')),
  hashes: z.string().optional().default(''),
  notify: z.string().optional(),
});

export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
});

export const reportIdParam = z.string().regex(/^[A-Za-z0-9_-]{10,64}$/);
