/**
 * GET /search reads every report of one analyst: SQLite must plan it as index seeks, never a scan of
 * report rows. SQLite only (tests/sqlite-only.ts): it reads SQLite's own query planner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appSuite } from '../helpers/app-suite.js';
import { signedIn } from '../helpers/factories.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { userIdOf } from '../helpers/page.js';
import { rowsNamingValue, type ValueColumn } from '../../src/search/search.repository.js';

const app = appSuite();

test("when SQLite plans the search, then it seeks her reports and each report's rows by the value or the file's SHA-256, never scanning rows", async () => {
  const email = uniqueEmail('ana');
  await signedIn(app, email);
  const userId = await userIdOf(app, email);
  for (const column of ['hash', 'sha256'] satisfies ValueColumn[]) {
    const query = rowsNamingValue(app.runtime.database.db, userId, column, 'x', 201).compile();
    const plan = (await app.db.rows<{ detail: string }>(`EXPLAIN QUERY PLAN ${query.sql}`, ...(query.parameters as string[]))).map((r) => r.detail);
    assert.ok(plan.some((d) => /SEARCH reports USING INDEX reports_user_created \(user_id=\?\)/.test(d)), plan.join('\n'));
    assert.ok(plan.some((d) => new RegExp(`SEARCH report_items USING INDEX \\w+ \\(report_id=\\? AND ${column}=\\?\\)`).test(d)), plan.join('\n'));
    assert.ok(!plan.some((d) => /SCAN report_items/.test(d)), plan.join('\n'));
  }
});
