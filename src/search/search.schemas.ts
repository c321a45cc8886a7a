import { z } from 'zod';
import { cleanText } from '../shared/text.js';

/** `?q=`: text once, control characters out, at most 2,048 characters (a long URL); anything else is no query. */
export const searchQuery = z.object({
  q: z.string().transform(cleanText).pipe(z.string().max(2048)).catch(''),
});
