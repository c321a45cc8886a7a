import type { Db } from '../shared/database.js';
import { ValidationError } from '../shared/errors.js';
import type { SecretBox } from '../shared/secret-box.js';
import { keyFingerprint, keyHint } from '../lookups/api-key.js';
import { deleteApiKey, findApiKey, saveApiKey } from './user-api-key.repository.js';
import { PUBLIC_PER_DAY, PUBLIC_PER_MINUTE } from './settings.schemas.js';
import type { UserApiKeyRow } from './user-api-key.table.js';

/** A user's key as the settings page shows it: never the key itself. */
export interface OwnKey {
  hint: string;
  perMinute: number;
  perDay: number;
  perMonth: number | null;
  useShared: boolean;
  updatedAt: Date;
}

/** What the form starts with: the stored settings, or for a first key the public rate and empty day and month (VirusTotal's answer fills them). */
export interface KeyFormDefaults {
  perMinute: number;
  perDay: number | null;
  perMonth: number | null;
  useShared: boolean;
}

/** A key's settings as they are stored: `key` only when a new key was given. */
export interface KeySettings {
  key?: string | undefined;
  perMinute: number;
  perDay: number;
  perMonth: number | null;
  useShared: boolean;
}

function rowToOwnKey(row: UserApiKeyRow): OwnKey {
  return {
    hint: row.key_hint,
    perMinute: row.per_minute,
    perDay: row.per_day,
    perMonth: row.per_month,
    useShared: row.use_shared === 1,
    updatedAt: new Date(row.updated_at),
  };
}

export async function describeOwnKey(db: Db, userId: number): Promise<OwnKey | null> {
  const row = await findApiKey(db, userId);
  return row ? rowToOwnKey(row) : null;
}

export function keyFormDefaults(ownKey: OwnKey | null): KeyFormDefaults {
  if (ownKey) return { perMinute: ownKey.perMinute, perDay: ownKey.perDay, perMonth: ownKey.perMonth, useShared: ownKey.useShared };
  return { perMinute: PUBLIC_PER_MINUTE, perDay: null, perMonth: null, useShared: true };
}

/**
 * Stores the user's key sealed, with only its hint and fingerprint in clear. Without a new key the
 * stored one stays and only the limits and the opt-out change.
 */
export async function saveOwnKey(db: Db, box: SecretBox, userId: number, input: KeySettings, now = Date.now()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const stored = await findApiKey(trx, userId);
    const secret = input.key ? sealKey(box, input.key) : stored && pickSecret(stored);
    if (!secret) throw new ValidationError('Enter your VirusTotal API key.', { key: 'Enter your VirusTotal API key.' });
    await saveApiKey(trx, {
      user_id: userId,
      ...secret,
      per_minute: input.perMinute,
      per_day: input.perDay,
      per_month: input.perMonth,
      use_shared: input.useShared ? 1 : 0,
      created_at: stored?.created_at ?? now,
      updated_at: now,
    });
  });
}

export async function removeOwnKey(db: Db, userId: number): Promise<void> {
  await deleteApiKey(db, userId);
}

type SecretColumns = Pick<UserApiKeyRow, 'key_encrypted' | 'key_hint' | 'fingerprint'>;

function sealKey(box: SecretBox, key: string): SecretColumns {
  return { key_encrypted: box.seal(key), key_hint: keyHint(key), fingerprint: keyFingerprint(key) };
}

function pickSecret(row: UserApiKeyRow): SecretColumns {
  return { key_encrypted: row.key_encrypted, key_hint: row.key_hint, fingerprint: row.fingerprint };
}

/** The public API's allowance, for a key saved without VirusTotal's answer or the form's numbers. */
export const PUBLIC_LIMITS = { perMinute: PUBLIC_PER_MINUTE, perDay: PUBLIC_PER_DAY };
