import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';
import { createApiToken as createTokenFor } from '../../src/api/api-token.service.js';
import type { Database } from '../../src/shared/schema.js';
import { appSuite } from '../helpers/app-suite.js';
import type { TestApp } from '../helpers/test-app.js';
import { createApiToken } from '../helpers/api-client.js';
import { adminClient, signedIn } from '../helpers/factories.js';
import { healthRoutes, type HealthDeps } from '../../src/web/health.js';

interface Health {
  status: string;
  database: string;
  pool: string;
  lookups: { state: string; reason?: string; message?: string; until?: string | null };
  sendsLookups: boolean;
}

async function getHealth(app: { url: string }, token?: string) {
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  const response = await fetch(new URL('/healthz', app.url), { redirect: 'manual', headers });
  return { response, body: (await response.json()) as Health };
}

/** An API token of an admin's, made in Settings as an admin would. */
async function adminToken(app: TestApp): Promise<string> {
  return createApiToken(await adminClient(app), 'Monitoring');
}

describe('GET /healthz on a running app with a key', () => {
  const app = appSuite();

  test('when probed anonymously, then it answers 200 and says only that it is up', async () => {
    // Act
    const { response, body } = await getHealth(app);

    // Assert
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(body, { status: 'ok' });
  });

  test("when probed with an admin's API token, then it answers with database, pool and lookups all fine", async () => {
    // Act
    const { response, body } = await getHealth(app, await adminToken(app));

    // Assert
    assert.equal(response.status, 200);
    assert.deepEqual(body, { status: 'ok', database: 'ok', pool: 'ok', lookups: { state: 'running' }, sendsLookups: true });
  });

  test("when probed with an ordinary analyst's API token or a made-up one, then it says only that it is up", async () => {
    // Arrange
    const analyst = await createApiToken(await signedIn(app));

    // Act
    const answers = await Promise.all([analyst, 'hr_not-a-real-token'].map((token) => getHealth(app, token)));

    // Assert
    for (const { response, body } of answers) assert.deepEqual([response.status, body], [200, { status: 'ok' }]);
  });

  test('when probed, then no session is created and no cookie is set', async () => {
    // Arrange
    const sessionsBefore = (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM sessions'))?.n;

    // Act
    const { response } = await getHealth(app);

    // Assert
    assert.equal(response.headers.get('set-cookie'), null);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.equal((await app.db.row<{ n: number }>('SELECT count(*) AS n FROM sessions'))?.n, sessionsBefore);
  });
});

describe('GET /healthz on an install without a VirusTotal key', () => {
  const app = appSuite({ noKey: true });

  test('when an admin probes it, then it is healthy (200) and says lookups are paused for want of a key', async () => {
    // Act
    const { response, body } = await getHealth(app, await adminToken(app));

    // Assert
    assert.equal(response.status, 200, 'a missing key is not a reason to restart the process');
    assert.equal(body.status, 'ok');
    assert.equal(body.lookups.state, 'paused');
    assert.equal(body.lookups.reason, 'no_key');
    assert.match(body.lookups.message ?? '', /API key/);
    assert.equal(body.lookups.until, null);
  });
});

describe('GET /healthz when a part is gone', () => {
  // The router on its own: breaking the database or the pool of a whole running app would break its shutdown too.
  async function serve(deps: HealthDeps) {
    const server = express().use(healthRoutes(deps)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
  }

  test('when the database cannot be reached, then it answers 503 and fail', async () => {
    // Arrange
    // A database whose file cannot be opened: every query fails as it would with the disk gone.
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: async () => Promise.reject(new Error('unable to open database file')) }) });
    const app = await serve({
      db,
      adminEmails: [],
      lookups: {
        poolAlive: () => true,
        sendsLookups: () => false,
        pause: () => {
          throw new TypeError('The database connection is not open');
        },
      },
    });

    try {
      // Act
      const { response, body } = await getHealth(app);

      // Assert
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(body, { status: 'fail' });
    } finally {
      await app.close();
    }
  });

  test('when the worker pool is dead, then it answers 503, and an admin learns it is the pool', async () => {
    // Arrange: a real database with one admin and their token
    const { db } = openDatabase(':memory:');
    await migrateToLatest(db);
    const { id } = await db.insertInto('users').values({ email: 'ops@example.test', password_hash: 'x', created_at: 1, is_admin: 1 }).returning('id').executeTakeFirstOrThrow();
    const { token } = await createTokenFor(db, id, 'Monitoring');
    const until = Date.UTC(2026, 10, 22);
    const app = await serve({
      db,
      adminEmails: [],
      lookups: { poolAlive: () => false, sendsLookups: () => false, pause: () => ({ reason: 'quota', message: 'Daily quota used up.', until }) },
    });

    try {
      // Act
      const anonymous = await getHealth(app);
      const { response, body } = await getHealth(app, token);

      // Assert
      assert.deepEqual([anonymous.response.status, anonymous.body], [503, { status: 'fail' }]);
      assert.equal(response.status, 503);
      assert.deepEqual(body, {
        status: 'fail',
        database: 'ok',
        pool: 'fail',
        lookups: { state: 'paused', reason: 'quota', message: 'Daily quota used up.', until: '2026-11-22T00:00:00.000Z' },
        sendsLookups: false,
      });
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});
