import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/shared/config.js';
import { databaseLabel } from '../../src/shared/database-label.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
    return err;
  }
  assert.fail('loadConfig accepted an invalid environment');
}

describe('loadConfig', () => {
  it('when the environment is empty, then the documented defaults apply', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.sessionSecret, undefined);
    assert.deepEqual(config.vt.keys, []);
    assert.deepEqual(config.adminEmails, []);
    assert.match(config.secretKeyFile, /db[/\\]data[/\\]secret\.key$/);
    assert.equal(config.secureCookies, false);
    assert.ok(Object.isFrozen(config));
  });

  it('when VT_API_KEY is set, then it is one shared key with the public limits unless VT_RATE_* say otherwise', () => {
    assert.deepEqual(loadConfig({ VT_API_KEY: 'k1' }).vt.keys, [{ secret: 'k1', perMinute: 4, perDay: 500, perMonth: null }]);
    const premium = loadConfig({ VT_API_KEY: 'k1', VT_RATE_PER_MINUTE: '1000', VT_RATE_PER_DAY: '50000', VT_RATE_PER_MONTH: '1500000' });
    assert.deepEqual(premium.vt.keys, [{ secret: 'k1', perMinute: 1000, perDay: 50000, perMonth: 1500000 }]);
  });

  it('when VT_API_KEYS lists keys with and without limits, then each gets its own quota and duplicates count once', () => {
    const config = loadConfig({ VT_API_KEY: 'pub', VT_API_KEYS: 'prem:1000:50000:1500000, pub ,other' });
    assert.deepEqual(config.vt.keys, [
      { secret: 'pub', perMinute: 4, perDay: 500, perMonth: null },
      { secret: 'prem', perMinute: 1000, perDay: 50000, perMonth: 1500000 },
      { secret: 'other', perMinute: 4, perDay: 500, perMonth: null },
    ]);
  });

  it('when a VT_API_KEYS entry has a bad limit, then a ConfigError names VT_API_KEYS and not the key', () => {
    for (const bad of ['secret-key:10', 'secret-key:0:500', 'secret-key:4:many', ':4:500', 'secret-key:1:2:3:4']) {
      const err = configError({ VT_API_KEYS: bad });
      assert.match(err.message, /VT_API_KEYS/);
      assert.doesNotMatch(err.message, /secret-key/);
    }
  });

  it('when ADMIN_EMAILS is set, then the addresses are trimmed and lowercased', () => {
    assert.deepEqual(loadConfig({ ADMIN_EMAILS: ' Boss@Example.com ,ops@example.com,' }).adminEmails, ['boss@example.com', 'ops@example.com']);
  });

  it('when several keys are invalid, then one ConfigError names every one of them', () => {
    const err = configError({ PORT: 'abc', VT_RATE_PER_MINUTE: '0', LOG_LEVEL: 'loud' });
    assert.match(err.message, /\bPORT\b/);
    assert.match(err.message, /\bVT_RATE_PER_MINUTE\b/);
    assert.match(err.message, /\bLOG_LEVEL\b/);
  });

  it('when DATABASE_URL is not a PostgreSQL URL, then a ConfigError names it and how it is written, without repeating it', () => {
    for (const bad of ['mysql://app:hunter2secret@db/hash', 'hunter2secret', 'postgres://']) {
      const err = configError({ DATABASE_URL: bad });
      assert.match(err.message, /\bDATABASE_URL\b.*postgres:\/\/user:password@host:port\/database/);
      assert.ok(!err.message.includes('hunter2secret'), 'the rejected value (with its password) is in the message');
    }
  });

  it('when DATABASE_URL is postgres:// or postgresql://, then it selects PostgreSQL, and unset keeps the SQLite file', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://app:pw@db.internal:5433/hash' }).databaseUrl, 'postgres://app:pw@db.internal:5433/hash');
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://app@localhost/hash' }).databaseUrl, 'postgresql://app@localhost/hash');
    assert.equal(loadConfig({}).databaseUrl, null);
    assert.equal(databaseLabel(loadConfig({ DATABASE_URL: 'postgres://app:pw@db.internal:5433/hash' })), 'postgres://app@db.internal:5433/hash');
  });

  it('when SESSION_SECRET is shorter than 32 characters, then a ConfigError names SESSION_SECRET', () => {
    const err = configError({ SESSION_SECRET: 'x'.repeat(31) });
    assert.match(err.message, /\bSESSION_SECRET\b/);
    assert.match(err.message, /32/);
    assert.ok(!err.message.includes('x'.repeat(31)), 'the rejected secret is in the message');
  });

  it('when SESSION_SECRET has 32 characters or more, then it is used', () => {
    const secret = 's'.repeat(32);
    assert.equal(loadConfig({ SESSION_SECRET: secret }).sessionSecret, secret);
  });

  it('when APP_URL is https, then cookies are Secure; when http, they are not', () => {
    assert.equal(loadConfig({ APP_URL: 'https://reports.example.test/' }).secureCookies, true);
    assert.equal(loadConfig({ APP_URL: 'https://reports.example.test/' }).appUrl, 'https://reports.example.test');
    assert.equal(loadConfig({ APP_URL: 'http://reports.example.test' }).secureCookies, false);
  });
});
