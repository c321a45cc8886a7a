import { z } from 'zod';

/** Loose on purpose: VirusTotal keys are 64 hex characters today, but a premium or future key must not be refused. */
const API_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/** The free (public) API's allowance: a new key is most likely one of those. */
export const PUBLIC_PER_MINUTE = 4;
export const PUBLIC_PER_DAY = 500;

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

function limit(what: string) {
  const message = `${what} must be a whole number above zero.`;
  return z.coerce.number({ error: message }).int(message).positive(message).max(1_000_000_000, `${what} is too large.`);
}

export const apiKeySchema = z.object({
  // Empty means "keep the stored key": the limits and the opt-out can change without pasting the key again.
  key: z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim())
    .refine((v) => v === '' || API_KEY_PATTERN.test(v), {
      error: 'That is not an API key: VirusTotal keys are 64 characters of 0–9 and a–f (copy yours from your VirusTotal profile, "API Key").',
    })
    .transform((v) => (v === '' ? undefined : v)),
  perMinute: z.preprocess(blankToUndefined, limit('Lookups per minute').default(PUBLIC_PER_MINUTE)),
  perDay: z.preprocess(blankToUndefined, limit('Lookups per day').default(PUBLIC_PER_DAY)),
  perMonth: z.preprocess(blankToUndefined, limit('Lookups per month').optional()),
  // An unticked checkbox is simply absent from the form.
  useShared: z
    .string()
    .optional()
    .transform((v) => v === 'on' || v === '1'),
});

/** `?saved=1` / `?removed=1` / `?password=changed` after a redirect: the page says what just happened. */
export const settingsQuery = z.object({
  saved: z.literal('1').optional().catch(undefined),
  removed: z.literal('1').optional().catch(undefined),
  password: z.literal('changed').optional().catch(undefined),
});

export type ApiKeyInput = z.infer<typeof apiKeySchema>;
