import { dictionary } from '@zxcvbn-ts/language-common';

/** The maintained list of common passwords (zxcvbn-ts), lower-cased; read on first use. */
let commonPasswords: Set<string> | null = null;

/**
 * Why a new password is refused beyond its length, or null. Length alone let `aaaaaaaaaa`,
 * `1234567890` and ten spaces through: the first guesses of anyone trying passwords.
 */
export function weakPasswordReason(password: string): string | null {
  if (new Set(password).size === 1) return 'Use more than one character: one character repeated is guessed at once.';
  commonPasswords ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  if (commonPasswords.has(password.toLowerCase()) || commonPasswords.has(password.trim().toLowerCase())) {
    return 'That password is on the lists of common passwords that attackers try first; choose another.';
  }
  return null;
}
