import { z } from 'zod';
import type { AttachmentChoice, AttachmentFormat } from '../mail/report-attachment.js';

/** Loose on purpose: VirusTotal keys are 64 hex characters today, but a premium or future key must not be refused. */
const API_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/** The free (public) API's allowance: a new key is most likely one of those. */
export const PUBLIC_PER_MINUTE = 4;
export const PUBLIC_PER_DAY = 500;

// An unticked checkbox is simply absent from the form.
const checkbox = z
  .string()
  .optional()
  .transform((v) => v === 'on' || v === '1');

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
  // Empty: what VirusTotal reports for a new key, else the stored limit or the public API's.
  perMinute: z.preprocess(blankToUndefined, limit('Lookups per minute').optional()),
  perDay: z.preprocess(blankToUndefined, limit('Lookups per day').optional()),
  perMonth: z.preprocess(blankToUndefined, limit('Lookups per month').optional()),
  useShared: checkbox,
});

/** The email section: `offered` is what this install can attach (PDF only with a PDF renderer). */
export function emailPreferencesSchema(offered: readonly AttachmentFormat[]) {
  const choices: readonly [AttachmentChoice, ...AttachmentChoice[]] = ['none', ...offered];
  return z.object({
    notifyDefault: checkbox,
    attachment: z.enum(choices, { error: 'Choose one of the attachment options shown.' }).default('none'),
  });
}

export const deleteAccountSchema = z.object({
  confirmation: z.string({ error: 'Type your email address or DELETE.' }).trim().min(1, 'Type your email address or DELETE.').max(1024),
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1024),
});

/** `?saved=1`, `?removed=1`, `?password=changed`, `?email=saved`, `?test=sent` after a redirect: the page says what just happened. */
export const settingsQuery = z.object({
  saved: z.literal('1').optional().catch(undefined),
  removed: z.literal('1').optional().catch(undefined),
  password: z.literal('changed').optional().catch(undefined),
  email: z.literal('saved').optional().catch(undefined),
  test: z.literal('sent').optional().catch(undefined),
  confirm: z.literal('sent').optional().catch(undefined),
});

export type ApiKeyInput = z.infer<typeof apiKeySchema>;
export type EmailPreferencesInput = z.infer<ReturnType<typeof emailPreferencesSchema>>;
export type DeleteAccountInput = z.infer<typeof deleteAccountSchema>;
