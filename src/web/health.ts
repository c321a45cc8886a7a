import { Router } from 'express';
import { sql } from 'kysely';
import type { Db } from '../shared/database.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import type { Pause } from '../lookups/pause.js';

export interface HealthDeps {
  db: Db;
  lookups: Pick<LookupEngine, 'pause' | 'poolAlive'>;
}

type Check = 'ok' | 'fail';

/**
 * GET /healthz for load balancers and uptime checks: no auth, no session, no cookie. It answers
 * 503 only when this process cannot serve (database or worker pool gone); paused lookups are
 * reported but are not a failure, since restarting would not bring a quota or a key back.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const database = await sql`SELECT 1`.execute(deps.db).then(
      (): Check => 'ok',
      (): Check => 'fail',
    );
    const pool = check(() => deps.lookups.poolAlive());
    const lookups = lookupState(deps.lookups);
    const status: Check = database === 'ok' && pool === 'ok' ? 'ok' : 'fail';
    res.set('Cache-Control', 'no-store');
    res.status(status === 'ok' ? 200 : 503).json({ status, database, pool, lookups });
  });
  return router;
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
