import type { Request } from 'express';
import type { KeyTestResult } from '../lookups/key-test.js';

// A shared key's test result, carried across the redirect to the admin page (post, redirect, get), shown once.

declare module 'express-session' {
  interface SessionData {
    adminKeyTest?: { keyId: string; test: KeyTestResult };
  }
}

export function keepKeyTest(req: Request, keyId: string, test: KeyTestResult): void {
  req.session.adminKeyTest = { keyId, test };
}

export function takeKeyTest(req: Request): { keyId: string; test: KeyTestResult } | null {
  const result = req.session.adminKeyTest ?? null;
  delete req.session.adminKeyTest;
  return result;
}
