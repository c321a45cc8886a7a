import argon2 from 'argon2';

/**
 * argon2id at m = 64 MiB, t = 3, p = 4 (the library's defaults), above the OWASP Password Storage
 * Cheat Sheet's minimum for argon2id (m = 19 MiB, t = 2, p = 1). Raising these later is safe:
 * each stored hash is redone with the new values at its owner's next sign-in (needsRehash).
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 65_536, timeCost: 3, parallelism: 4 } as const;

export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** True for a hash made with another algorithm or other parameters than hashPassword uses now. */
export function needsRehash(hash: string): boolean {
  try {
    return !hash.startsWith('$argon2id$') || argon2.needsRehash(hash, OPTIONS);
  } catch {
    return true;
  }
}

// Verifying against this when the email is unknown keeps "no such user" as slow as "wrong password".
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-just-for-timing');
  return dummyHash;
}
