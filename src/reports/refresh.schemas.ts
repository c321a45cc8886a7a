import { z } from 'zod';

/** The refresh form: one optional box, offered only when email is configured. */
export const refreshSchema = z.object({
  notify: z.string({ error: 'Send the email choice once, as text.' }).optional(),
});
