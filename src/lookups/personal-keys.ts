import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { SecretBox } from '../shared/secret-box.js';
import { findActiveApiKey, listActiveApiKeys } from '../settings/user-api-key.repository.js';
import type { UserApiKeyRow } from '../settings/user-api-key.table.js';
import { keyFingerprint, keyHint } from './api-key.js';
import type { KeyRing, PersonalKey } from './key-ring.js';

/** What opening users' own keys (saved encrypted in Settings) needs. */
export interface PersonalKeySource {
  db: Db;
  keys: KeyRing;
  secretBox: SecretBox;
  logger: Logger;
}

/** Puts every user's active key on the ring, at start. */
export async function loadPersonalKeys(source: PersonalKeySource): Promise<void> {
  for (const row of await listActiveApiKeys(source.db)) source.keys.setPersonal(row.user_id, openPersonalKey(source, row));
}

/** The user's key was saved or removed (or the account disabled): the ring takes what is there now. */
export async function reloadPersonalKey(source: PersonalKeySource, userId: number): Promise<void> {
  const row = await findActiveApiKey(source.db, userId);
  source.keys.setPersonal(userId, row ? openPersonalKey(source, row) : null);
}

/** A key that no longer opens with the secret box is left out and logged. */
function openPersonalKey(source: PersonalKeySource, row: UserApiKeyRow): PersonalKey | null {
  try {
    const secret = source.secretBox.open(row.key_encrypted);
    return {
      id: keyFingerprint(secret),
      secret,
      hint: keyHint(secret),
      perMinute: row.per_minute,
      perDay: row.per_day,
      perMonth: row.per_month,
      ownerId: row.user_id,
      useShared: row.use_shared === 1,
    };
  } catch {
    source.logger.error({ userId: row.user_id }, "a user's API key does not open with this SECRET_KEY; it is not used");
    return null;
  }
}
