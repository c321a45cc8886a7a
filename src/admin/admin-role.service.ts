import type { Db } from '../shared/database.js';
import { NotFoundError } from '../shared/errors.js';
import * as users from '../auth/user.repository.js';
import { isAdmin } from './admin.service.js';

// The admin role from the server's shell (scripts/admin.ts): whoever can run commands there
// already holds the database, so this is the one place the role is given.

export interface AdminStanding {
  email: string;
  /** Granted with the command (is_admin). */
  granted: boolean;
  /** Listed in ADMIN_EMAILS. */
  listed: boolean;
  /** Has an account; false for an ADMIN_EMAILS address nobody registered. */
  registered: boolean;
  confirmed: boolean;
  /** What the app decides, from the above (admin.service.ts isAdmin). */
  admin: boolean;
}

/** Sets or clears the role; the standing after the change, and whether anything changed. */
export async function setAdminRole(db: Db, adminEmails: readonly string[], email: string, admin: boolean): Promise<{ changed: boolean; standing: AdminStanding }> {
  const address = email.trim().toLowerCase();
  const user = await users.findUserByEmail(db, address);
  if (!user) throw new NotFoundError(`No account has the address ${address}. It must be registered first.`);
  const changed = (user.is_admin === 1) !== admin;
  if (changed) await users.updateAdminFlag(db, address, admin);
  return { changed, standing: standingOf(adminEmails, { ...user, is_admin: admin ? 1 : 0 }) };
}

/** Every account with the role or listed in ADMIN_EMAILS, and every listed address with no account. */
export async function listAdminStandings(db: Db, adminEmails: readonly string[]): Promise<AdminStanding[]> {
  const rows = await users.findAdminCandidates(db, adminEmails);
  const found = rows.map((row) => standingOf(adminEmails, row));
  const missing = adminEmails
    .filter((email) => !rows.some((r) => r.email === email))
    .map((email) => ({ email, granted: false, listed: true, registered: false, confirmed: false, admin: false }));
  return [...found, ...missing];
}

function standingOf(adminEmails: readonly string[], row: { email: string; is_admin: number; email_confirmed_at: number | null }): AdminStanding {
  const granted = row.is_admin === 1;
  const confirmed = row.email_confirmed_at != null;
  return {
    email: row.email,
    granted,
    listed: adminEmails.includes(row.email),
    registered: true,
    confirmed,
    admin: isAdmin(adminEmails, { email: row.email, adminRole: granted, emailConfirmed: confirmed }),
  };
}
