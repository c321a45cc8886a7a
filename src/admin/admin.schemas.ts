import { z } from 'zod';

/** A user id in a URL, digits only; anything else is a page that does not exist. */
export const userIdParam = z.string().regex(/^[1-9]\d{0,14}$/).transform(Number);
