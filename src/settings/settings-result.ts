import type { Request } from 'express';
import type { SecretBox } from '../shared/secret-box.js';
import type { KeyTestResult } from '../lookups/key-test.js';

// What a Settings form did, carried across its redirect (post, redirect, get) to the top of the page.
// The session holds it until the next GET of /settings reads it, once.

declare module 'express-session' {
  interface SessionData {
    settingsResult?: SettingsResult;
  }
}

/** The result shown at the top of Settings after a redirect. A new token is sealed while it waits. */
export type SettingsResult =
  | { kind: 'key-test'; test: KeyTestResult; saved: boolean; notes: string[] }
  | { kind: 'new-token'; name: string; sealedToken: string };

/** What the page renders: the token opened again, never stored in clear. */
export type ShownResult =
  | { kind: 'key-test'; test: KeyTestResult; saved: boolean; notes: string[] }
  | { kind: 'new-token'; name: string; token: string };

export function keepResult(req: Request, result: SettingsResult): void {
  req.session.settingsResult = result;
}

/** The waiting result, taken out of the session: shown once, then gone. */
export function takeResult(req: Request, box: SecretBox): ShownResult | null {
  const result = req.session.settingsResult;
  if (!result) return null;
  delete req.session.settingsResult;
  if (result.kind !== 'new-token') return result;
  try {
    return { kind: 'new-token', name: result.name, token: box.open(result.sealedToken) };
  } catch {
    // Sealed under another SECRET_KEY (a restart with a new one): the token cannot be shown; it can be revoked.
    return null;
  }
}
