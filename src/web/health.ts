import { Router } from 'express';
import { sql } from 'kysely';
import type { Db } from '../shared/database.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import type { Pause } from '../lookups/pause.js';
import { bearerTokenOf } from '../api/bearer-auth.js';
import { authenticateToken } from '../api/api-token.service.js';
import { findCurrentUser } from '../auth/auth.service.js';
import { isAdmin } from '../admin/admin.service.js';

export interface HealthDeps {
  db: Db;
  lookups: Pick<LookupEngine, 'pause' | 'poolAlive' | 'sendsLookups'>;
  adminEmails: readonly string[];
}

type Check = 'ok' | 'fail';

/**
 * GET /healthz for load balancers and uptime checks: no session, no cookie. It answers 503 only
 * when this process cannot serve (database or worker pool gone); paused lookups are reported but
 * are not a failure, since restarting would not bring a quota or a key back. Anyone gets up or
 * down; what is down, why lookups pause (which can name a key's last characters) and whether this
 * instance is the one sending lookups (several instances on PostgreSQL elect one), only an admin's
 * API token gets. The database check is a real query, so an instance cut off from PostgreSQL fails it.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', async (req, res) => {
    const database = await sql`SELECT 1`.execute(deps.db).then(
      (): Check => 'ok',
      (): Check => 'fail',
    );
    const pool = check(() => deps.lookups.poolAlive());
    const lookups = lookupState(deps.lookups);
    const status: Check = database === 'ok' && pool === 'ok' ? 'ok' : 'fail';
    res.set('Cache-Control', 'no-store');
    const detailed = database === 'ok' && (await fromAdmin(deps, req.get('authorization')).catch(() => false));
    const sendsLookups = deps.lookups.sendsLookups();
    res.status(status === 'ok' ? 200 : 503).json(detailed ? { status, database, pool, lookups, sendsLookups } : { status });
  });
  return router;
}

/** The request carries an API token of an admin's. */
async function fromAdmin(deps: HealthDeps, header: string | undefined): Promise<boolean> {
  const token = bearerTokenOf(header);
  const caller = token ? await authenticateToken(deps.db, token) : null;
  const user = caller ? await findCurrentUser(deps.db, caller.userId) : null;
  return user !== null && isAdmin(deps.adminEmails, user);
}

function lookupState(engine: HealthDeps['lookups']) {
  let pause: Pause | null;
  try {
    pause = engine.pause();
  } catch {
    // The engine reads its quotas from the database; when that is gone, the database check says so.
    return { state: 'unknown' };
  }
  if (!pause) return { state: 'running' };
  return { state: 'paused', reason: pause.reason, message: pause.message, until: pause.until === null ? null : new Date(pause.until).toISOString() };
}

function check(probe: () => boolean): Check {
  try {
    return probe() ? 'ok' : 'fail';
  } catch {
    return 'fail';
  }
}
