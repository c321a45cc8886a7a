/**
 * `npm run admin -- grant EMAIL | revoke EMAIL | list`: gives or takes the admin role (the /admin
 * dashboard) on DATABASE_PATH, from the server's shell. The account must exist (register first).
 */
import { existsSync } from 'node:fs';
import { ConfigError, databaseLocation, loadConfig } from '../src/shared/config.js';
import { databaseLabel } from '../src/shared/database-label.js';
import { migrateToLatest, openDatabase } from '../src/shared/database.js';
import { AppError } from '../src/shared/errors.js';
import { listAdminStandings, setAdminRole, type AdminStanding } from '../src/admin/admin-role.service.js';

const USAGE = 'usage: npm run admin -- grant EMAIL | revoke EMAIL | list';

if (existsSync('.env')) process.loadEnvFile('.env');
const [command, email, ...rest] = process.argv.slice(2);
const valid = rest.length === 0 && (command === 'list' ? email === undefined : (command === 'grant' || command === 'revoke') && Boolean(email?.trim()));
if (!valid) {
  console.error(USAGE);
  process.exit(1);
}

try {
  const config = loadConfig();
  const { db } = openDatabase(databaseLocation(config));
  try {
    await migrateToLatest(db);
    if (command === 'list') {
      const standings = await listAdminStandings(db, config.adminEmails);
      if (!standings.some((s) => s.admin)) console.log(`no admins on ${databaseLabel(config)}; make one with: npm run admin -- grant EMAIL`);
      for (const standing of standings) console.log(describe(standing));
    } else {
      const grant = command === 'grant';
      const { changed, standing } = await setAdminRole(db, config.adminEmails, email ?? '', grant);
      const verb = grant ? (changed ? 'is now an admin' : 'is already an admin') : changed ? 'is no longer an admin' : 'had no admin role';
      const still = !grant && standing.admin ? ' (but still one through ADMIN_EMAILS: take it out there too)' : '';
      console.log(`${standing.email} ${verb}${still}`);
    }
  } finally {
    await db.destroy();
  }
} catch (err) {
  console.error(err instanceof ConfigError || err instanceof AppError ? err.message : err);
  process.exit(1);
}

function describe(s: AdminStanding): string {
  if (s.granted) return `${s.email}: admin (granted)`;
  if (s.admin) return `${s.email}: admin (ADMIN_EMAILS, address confirmed)`;
  if (!s.registered) return `${s.email}: not admin (in ADMIN_EMAILS, no account)`;
  return `${s.email}: not admin (in ADMIN_EMAILS, address not confirmed)`;
}
