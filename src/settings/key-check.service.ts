import type { Db } from '../shared/database.js';
import { ValidationError } from '../shared/errors.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import type { KeyTestResult } from '../lookups/key-test.js';
import type { KeyAllowances } from '../lookups/vt-user-client.js';
import type { ApiKeyInput } from './settings.schemas.js';
import { PUBLIC_LIMITS, saveOwnKey } from './settings.service.js';
import { findApiKey } from './user-api-key.repository.js';

export interface KeyCheckDeps {
  db: Db;
  box: SecretBox;
  lookups: Pick<LookupEngine, 'testKey'>;
}

/** What saving the key form did: the test of a new key (null when only the limits changed), and notes on the limits. */
export interface KeySaved {
  test: KeyTestResult | null;
  notes: string[];
}

/**
 * Saves the user's key settings. A new key is tested first, with one call to VirusTotal counted
 * against the key's own quota: a key VirusTotal refuses is not saved, and the form says why. A
 * working key's empty day and month limits take what VirusTotal reports for it, and a limit above
 * VirusTotal's is lowered to it. A key that could not be tested (no answer, or no free slot under
 * its quota) is saved, and the result says it is untested.
 */
export async function saveAndTestOwnKey(deps: KeyCheckDeps, userId: number, input: ApiKeyInput): Promise<KeySaved> {
  if (!input.key) {
    const limits = { perMinute: input.perMinute ?? PUBLIC_LIMITS.perMinute, perDay: input.perDay ?? PUBLIC_LIMITS.perDay, perMonth: input.perMonth ?? null };
    await saveOwnKey(deps.db, deps.box, userId, { ...limits, useShared: input.useShared });
    return { test: null, notes: [] };
  }
  const asked = { perMinute: input.perMinute ?? PUBLIC_LIMITS.perMinute, perDay: input.perDay ?? PUBLIC_LIMITS.perDay, perMonth: input.perMonth ?? null };
  const test = await deps.lookups.testKey({ secret: input.key, ...asked, ownerId: userId });
  if (test.outcome === 'refused') {
    const message = `${test.message} It was not saved: copy your key again from your VirusTotal profile ("API Key") and paste it here.`;
    throw new ValidationError(message, { key: message });
  }
  const { limits, notes } = limitsFor(input, test.allowances);
  await saveOwnKey(deps.db, deps.box, userId, { key: input.key, ...limits, useShared: input.useShared });
  return { test, notes };
}

/** Tests the user's saved key again ("Test my key"); null when they have none that opens. */
export async function testSavedKey(deps: KeyCheckDeps, userId: number): Promise<KeyTestResult | null> {
  const row = await findApiKey(deps.db, userId);
  if (!row) return null;
  let secret: string;
  try {
    secret = deps.box.open(row.key_encrypted);
  } catch {
    return null;
  }
  return deps.lookups.testKey({ secret, perMinute: row.per_minute, perDay: row.per_day, perMonth: row.per_month, ownerId: userId });
}

/** The form's limits, with VirusTotal's allowances where the form left them empty or asked for more. */
function limitsFor(input: ApiKeyInput, allowances: KeyAllowances | null): { limits: { perMinute: number; perDay: number; perMonth: number | null }; notes: string[] } {
  const notes: string[] = [];
  const pick = (given: number | undefined, reported: number | undefined, what: string): number | undefined => {
    if (given === undefined) return reported;
    if (reported === undefined || given <= reported) return given;
    notes.push(`VirusTotal allows this key ${reported.toLocaleString('en')} lookups ${what}, so that is the limit saved rather than ${given.toLocaleString('en')}.`);
    return reported;
  };
  const perDay = pick(input.perDay, allowances?.daily?.allowed, 'a day') ?? PUBLIC_LIMITS.perDay;
  const perMonth = pick(input.perMonth, allowances?.monthly?.allowed, 'a month') ?? null;
  return { limits: { perMinute: input.perMinute ?? PUBLIC_LIMITS.perMinute, perDay, perMonth }, notes };
}
