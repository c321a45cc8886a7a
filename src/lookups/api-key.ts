import { createHash } from 'node:crypto';

/** One VirusTotal key as the lookup engine uses it. The secret never leaves the main thread's memory except in a task. */
export interface ApiKey {
  /** The limiter's id and the key's name in logs and on the dashboard; derived, never the key. */
  id: string;
  secret: string;
  /** `…abcd`: enough to recognise the key, not to use it. */
  hint: string;
  perMinute: number;
  perDay: number;
  perMonth: number | null;
  /** The user whose personal key this is; null for the shared keys from the environment. */
  ownerId: number | null;
}

/**
 * A one-way id for a key: two holders of the same key share one quota on VirusTotal's side, so they
 * share one id (and one count) here.
 */
export function keyFingerprint(secret: string): string {
  return `k-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

export function keyHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}
