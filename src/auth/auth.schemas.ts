import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from './password.js';
import { weakPasswordReason } from './password-policy.js';

const email = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .toLowerCase()
  .max(254, 'That email address is too long.')
  .pipe(z.email({ error: 'Enter a valid email address.' }));

const newPassword = (missing: string) =>
  z
    .string({ error: missing })
    .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters for the password.`)
    .max(1024, 'That password is too long.')
    .superRefine((password, ctx) => {
      const reason = password.length >= MIN_PASSWORD_LENGTH ? weakPasswordReason(password) : null;
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    });

export const registerSchema = z
  .object({
    email,
    password: newPassword('Choose a password.'),
    confirm: z.string().optional(),
  })
  .refine((v) => v.confirm === undefined || v.confirm === v.password, { path: ['confirm'], error: 'The two passwords differ.' });

export const loginSchema = z.object({
  email,
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1024),
});

/** The confirmation page's form: the link's token and the password chosen for the address. */
export const confirmEmailSchema = z.object({
  token: z.string().max(200).default(''),
  password: z.string({ error: 'Type the password you chose.' }).min(1, 'Type the password you chose.').max(1024),
});

export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.').max(1024),
    newPassword: newPassword('Choose a new password.'),
    confirm: z.string({ error: 'Type the new password again.' }),
  })
  .refine((v) => v.confirm === v.newPassword, { path: ['confirm'], error: 'The two passwords differ.' });

export type RegisterInput = z.infer<typeof registerSchema>;
export type LoginInput = z.infer<typeof loginSchema>;
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;
