import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/shared/config.js';

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
    return err.message;
  }
  assert.fail('loadConfig accepted an invalid environment');
}

describe('session and proxy settings', () => {
  it('when nothing is set, then a session idles out after 60 minutes and ends 12 hours after sign-in, and no proxy is trusted', () => {
    const config = loadConfig({});
    assert.equal(config.sessionIdleMs, 60 * 60_000);
    assert.equal(config.sessionMaxMs, 12 * 3_600_000);
    assert.equal(config.trustProxy, false);
  });

  it('when APP_URL is https and TRUST_PROXY unset, then one proxy hop is trusted, as before the setting existed', () => {
    assert.equal(loadConfig({ APP_URL: 'https://reports.example.test' }).trustProxy, 1);
  });

  it('when SESSION_* are fractions, then they are honoured in milliseconds', () => {
    const config = loadConfig({ SESSION_IDLE_MINUTES: '0.02', SESSION_MAX_HOURS: '0.5' });
    assert.equal(config.sessionIdleMs, 1200);
    assert.equal(config.sessionMaxMs, 1_800_000);
  });

  it('when TRUST_PROXY is true, false, a hop count or a list, then Express gets that value', () => {
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ TRUST_PROXY: 'FALSE', APP_URL: 'https://reports.example.test' }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, 192.168.1.0/255.255.255.0, fd00::/8, 203.0.113.7' }).trustProxy, [
      'loopback',
      '10.0.0.0/8',
      '192.168.1.0/255.255.255.0',
      'fd00::/8',
      '203.0.113.7',
    ]);
  });

  it('when TRUST_PROXY or a session limit is malformed, then start-up names every bad key', () => {
    const message = problems({ TRUST_PROXY: '10.0.0.0/33, proxy.example', SESSION_IDLE_MINUTES: '0', SESSION_MAX_HOURS: 'soon' });
    assert.match(message, /TRUST_PROXY: must be true, false, a hop count, or comma-separated addresses or subnets/);
    assert.match(message, /SESSION_IDLE_MINUTES/);
    assert.match(message, /SESSION_MAX_HOURS/);
  });
});
