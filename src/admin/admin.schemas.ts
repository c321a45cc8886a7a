import { z } from 'zod';

/** A user id in a URL, digits only; anything else is a page that does not exist. */
export const userIdParam = z.string().regex(/^[1-9]\d{0,14}$/).transform(Number);

/** A shared key's id in a URL: its fingerprint (`k-` and 12 hex characters), never the key. */
export const keyIdParam = z.string().regex(/^k-[0-9a-f]{12}$/);
