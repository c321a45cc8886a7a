import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Kysely, SqliteDialect } from 'kysely';
import { openDatabase } from '../../src/shared/database.js';
import type { Database } from '../../src/shared/schema.js';
import { appSuite } from '../helpers/app-suite.js';
import { healthRoutes, type HealthDeps } from '../../src/web/health.js';

interface Health {
  status: string;
  database: string;
  pool: string;
  lookups: { state: string; reason?: string; message?: string; until?: string | null };
}

async function getHealth(app: { url: string }) {
  const response = await fetch(new URL('/healthz', app.url), { redirect: 'manual' });
  return { response, body: (await response.json()) as Health };
}

describe('GET /healthz on a running app with a key', () => {
  const app = appSuite();

  test('when probed without a session, then it answers 200 with database, pool and lookups all fine', async () => {
    // Act
    const { response, body } = await getHealth(app);

    // Assert
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(body, { status: 'ok', database: 'ok', pool: 'ok', lookups: { state: 'running' } });
  });

  test('when probed, then no session is created and no cookie is set', async () => {
    // Arrange
    const sessionsBefore = app.db.row<{ n: number }>('SELECT count(*) AS n FROM sessions')?.n;

    // Act
    const { response } = await getHealth(app);

    // Assert
    assert.equal(response.headers.get('set-cookie'), null);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.equal(app.db.row<{ n: number }>('SELECT count(*) AS n FROM sessions')?.n, sessionsBefore);
  });
});

describe('GET /healthz on an install without a VirusTotal key', () => {
  const app = appSuite({ noKey: true });

  test('when probed, then it is healthy (200) and says lookups are paused for want of a key', async () => {
    // Act
    const { response, body } = await getHealth(app);

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

  test('when the database cannot be reached, then it answers 503 with database fail and lookups unknown', async () => {
    // Arrange
    // A database whose file cannot be opened: every query fails as it would with the disk gone.
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: async () => Promise.reject(new Error('unable to open database file')) }) });
    const app = await serve({
      db,
      lookups: {
        poolAlive: () => true,
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
      assert.deepEqual(body, { status: 'fail', database: 'fail', pool: 'ok', lookups: { state: 'unknown' } });
    } finally {
      await app.close();
    }
  });

  test('when the worker pool is dead, then it answers 503 with pool fail', async () => {
    // Arrange
    const { db } = openDatabase(':memory:');
    const until = Date.UTC(2026, 10, 22);
    const app = await serve({
      db,
      lookups: { poolAlive: () => false, pause: () => ({ reason: 'quota', message: 'Daily quota used up.', until }) },
    });

    try {
      // Act
      const { response, body } = await getHealth(app);

      // Assert
      assert.equal(response.status, 503);
      assert.deepEqual(body, {
        status: 'fail',
        database: 'ok',
        pool: 'fail',
        lookups: { state: 'paused', reason: 'quota', message: 'Daily quota used up.', until: '2026-11-22T00:00:00.000Z' },
      });
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});
