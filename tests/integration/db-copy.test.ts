import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, waitForCompletion, type TestApp } from '../helpers/test-app.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { apiCall, createApiToken } from '../helpers/api-client.js';
import { run } from '../helpers/cli.js';
import { createAppDatabase, testDatabaseUrl, type AppDatabase } from '../helpers/test-postgres.js';
import { openTestDatabase } from '../helpers/test-database.js';

// `npm run db:copy` as an operator runs it: a SQLite deployment with real reports is copied into an
// empty PostgreSQL database, and the app started on PostgreSQL shows the same pages and files.
// Runs on the PostgreSQL pass only (tests/postgres-only.ts).

const cluster = testDatabaseUrl();
/** The session's CSRF token is the one part of a page that belongs to the session, not to the data. */
const withoutCsrf = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');

interface Seen {
  pages: Record<string, string>;
  files: Record<string, Buffer>;
}

async function look(client: Awaited<ReturnType<typeof signedIn>>, reportId: string): Promise<Seen> {
  const pages: Record<string, string> = {};
  for (const path of [`/reports/${reportId}`, `/reports/${reportId}?verdict=malicious`, `/reports/${reportId}/items/1`, `/reports/${reportId}/items/3`, '/reports']) {
    const response = await client.get(path);
    assert.equal(response.status, 200, path);
    pages[path] = withoutCsrf(response.html);
  }
  const files: Record<string, Buffer> = {};
  for (const kind of ['csv', 'json']) {
    const response = await client.request(`/reports/${reportId}/export.${kind}`);
    assert.equal(response.status, 200, kind);
    files[kind] = Buffer.from(await response.arrayBuffer());
  }
  return { pages, files };
}

describe('npm run db:copy', () => {
  assert.ok(cluster, 'this file runs on the PostgreSQL pass only, where TEST_DATABASE_URL is set');
  const dir = mkdtempSync(join(tmpdir(), 'db-copy-'));
  const databasePath = join(dir, 'app.sqlite');
  const email = uniqueEmail('copied');
  let target: AppDatabase;
  let reportId = '';
  let token = '';
  let before_: Seen;

  before(async () => {
    const sqliteApp = await startTestApp({ databasePath });
    try {
      const client = await signedIn(sqliteApp, email);
      const malicious = newFile(sqliteApp.sim, { malicious: 12, fortinet: 'W32/Agent.XY!tr' });
      const clean = newFile(sqliteApp.sim, { malicious: 0 });
      reportId = await uploadHashes(client, [malicious.sha256, clean.md5, hex(32), 'not a hash', malicious.md5], 'Copied report');
      await waitForCompletion(client, reportId);
      token = await createApiToken(client);
      before_ = await look(client, reportId);
    } finally {
      await sqliteApp.stop();
    }
    target = await createAppDatabase(cluster ?? '');
  });
  after(async () => {
    await target?.drop();
  });

  test('when a SQLite deployment is copied, then the PostgreSQL app shows the same pages and exports byte for byte, and the same account and token work', async () => {
    // Act
    const copy = await run('npx', ['tsx', 'scripts/db-copy.ts', '--to', target.url], { DATABASE_PATH: databasePath });
    const app: TestApp = await startTestApp({ databaseUrl: target.url, env: { SECRET_KEY: readFileSync(join(dir, 'secret.key'), 'utf8').trim() } });
    try {
      const client = app.client();
      const login = await client.login(email);
      const after_ = await look(client, reportId);
      const api = await apiCall(app.url, token, `/api/v1/reports/${reportId}`);

      // Assert
      assert.equal(copy.code, 0, copy.output);
      assert.match(copy.output, /report_items: 5 \/ 5 rows/);
      assert.match(copy.output, /every table's count matches/);
      assert.match(copy.output, /Sessions were not copied/);
      assert.equal(login.status, 303, 'the password hash came across');
      assert.match(before_.pages[`/reports/${reportId}/items/1`] ?? '', /W32\/Agent\.XY!tr/, 'the pages compared hold the answers');
      for (const path of Object.keys(before_.pages)) assert.equal(after_.pages[path], before_.pages[path], `${path} differs after the copy`);
      for (const kind of Object.keys(before_.files)) assert.ok(after_.files[kind]?.equals(before_.files[kind] ?? Buffer.alloc(0)), `export.${kind} differs after the copy`);
      assert.equal(api.status, 200, 'the API token came across');
    } finally {
      await app.stop();
    }
  });

  test('when the target already holds data, then the copy refuses and changes nothing', async () => {
    // Arrange: the first test filled the target
    const db = openTestDatabase(target.url);
    const usersBefore = await db.row<{ n: number }>('SELECT count(*) AS n FROM users');

    // Act
    const copy = await run('npx', ['tsx', 'scripts/db-copy.ts', '--to', target.url], { DATABASE_PATH: databasePath });
    const usersAfter = await db.row<{ n: number }>('SELECT count(*) AS n FROM users');
    await db.close();

    // Assert
    assert.equal(copy.code, 1);
    assert.match(copy.output, /The target database is not empty: table \w+ has \d+ rows/);
    assert.deepEqual(usersAfter, usersBefore);
  });

  test('when --to is missing or not a PostgreSQL URL, then the usage is printed and nothing runs', async () => {
    // Act
    const missing = await run('npx', ['tsx', 'scripts/db-copy.ts'], { DATABASE_PATH: databasePath });
    const wrong = await run('npx', ['tsx', 'scripts/db-copy.ts', '--to', join(dir, 'other.sqlite')], { DATABASE_PATH: databasePath });

    // Assert
    for (const result of [missing, wrong]) {
      assert.equal(result.code, 2);
      assert.match(result.output, /usage: npm run db:copy -- --to postgres:\/\//);
    }
  });
});
