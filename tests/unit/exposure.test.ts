import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/shared/config.js';
import { exposureWarnings } from '../../src/shared/exposure.js';

test('when HOST is not set, then the app binds loopback only', () => {
  assert.equal(loadConfig({}).host, '127.0.0.1');
});

test('when APP_URL is https and HOST is every interface, then start-up warns that X-Forwarded-For can be forged', () => {
  const config = loadConfig({ APP_URL: 'https://reports.example.test', HOST: '0.0.0.0' });

  const warnings = exposureWarnings(config);

  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /TRUST_PROXY trusts forwarded addresses while the app listens on 0\.0\.0\.0/);
});

test('when proxies are trusted but the app listens on loopback, or only loopback proxies are trusted, then there is nothing to warn about', () => {
  const cases = [
    { APP_URL: 'https://reports.example.test' },
    { APP_URL: 'https://reports.example.test', HOST: '::1' },
    { HOST: '0.0.0.0', TRUST_PROXY: 'loopback' },
    { HOST: '0.0.0.0' },
  ];
  for (const env of cases) assert.deepEqual(exposureWarnings(loadConfig(env)), [], JSON.stringify(env));
});

test('when a list of proxy addresses beyond loopback is trusted on a public interface, then start-up warns', () => {
  assert.equal(exposureWarnings(loadConfig({ HOST: '::', TRUST_PROXY: '10.0.0.5, loopback' })).length, 1);
});
