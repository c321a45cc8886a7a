import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/shared/config.js';

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
    assert.equal(config.vt.ratePerMinute, 4);
    assert.equal(config.vt.ratePerDay, 500);
    assert.equal(config.secureCookies, false);
    assert.ok(Object.isFrozen(config));
  });

  it('when several keys are invalid, then one ConfigError names every one of them', () => {
    const err = configError({ PORT: 'abc', VT_RATE_PER_MINUTE: '0', LOG_LEVEL: 'loud' });
    assert.match(err.message, /\bPORT\b/);
    assert.match(err.message, /\bVT_RATE_PER_MINUTE\b/);
    assert.match(err.message, /\bLOG_LEVEL\b/);
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
