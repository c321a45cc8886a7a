import type { Db } from '../shared/database.js';
import { ConflictError, UnauthorizedError } from '../shared/errors.js';
import type { LoginInput, RegisterInput } from './auth.schemas.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.js';
import * as users from './user.repository.js';

export interface CurrentUser {
  id: number;
  email: string;
}

export async function register(db: Db, input: RegisterInput, now = Date.now()): Promise<CurrentUser> {
  if (await users.findUserByEmail(db, input.email)) {
    throw new ConflictError('An account with this email already exists. Log in instead.', { email: 'Already registered.' });
  }
  const passwordHash = await hashPassword(input.password);
  try {
    const row = await users.insertUser(db, { email: input.email, password_hash: passwordHash, created_at: now });
    return { id: row.id, email: row.email };
  } catch (err) {
    // Two registrations raced past the check above; the unique index decides.
    if (err instanceof Error && /UNIQUE/.test(err.message)) {
      throw new ConflictError('An account with this email already exists. Log in instead.', { email: 'Already registered.' });
    }
    throw err;
  }
}

/** The same message, and about the same time, whether the email is unknown or the password wrong. */
export async function authenticate(db: Db, input: LoginInput): Promise<CurrentUser> {
  const user = await users.findUserByEmail(db, input.email);
  const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!user || !ok) throw new UnauthorizedError('Wrong email or password.');
  // Only after the right password: telling anyone else the account exists would help them guess.
  if (user.disabled_at != null) throw new UnauthorizedError('This account is disabled. Ask an administrator.');
  return { id: user.id, email: user.email };
}

export async function findCurrentUser(db: Db, id: number): Promise<CurrentUser | null> {
  const row = await users.findUserById(db, id);
  // A disabled account's sessions end with the next request.
  return row && row.disabled_at == null ? { id: row.id, email: row.email } : null;
}
