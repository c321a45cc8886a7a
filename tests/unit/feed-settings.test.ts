import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/shared/config.js';

test('when VT_FEEDS is unset, then no feed is read; set, its names are kept once each and the first shared key is the feed key', () => {
  assert.deepEqual(loadConfig({ VT_API_KEY: 'shared' }).feeds.types, []);
  const config = loadConfig({ VT_API_KEYS: 'first,second', VT_FEEDS: 'domains, files,domains' });
  assert.deepEqual(config.feeds.types, ['domains', 'files']);
  assert.equal(config.feeds.apiKey, 'first');
  assert.equal(config.feeds.backfillMinutes, 70);
  assert.equal(config.feeds.retentionMs, 24 * 3_600_000);
  assert.equal(loadConfig({ VT_API_KEY: 'shared', VT_FEEDS: 'urls', VT_FEED_API_KEY: 'feeds-only' }).feeds.apiKey, 'feeds-only');
});

test('when a feed setting is wrong, then the start stops with a message naming each', () => {
  assert.throws(
    () => loadConfig({ VT_FEEDS: 'domains,hashes', VT_FEED_BACKFILL_MINUTES: '30' }),
    (err: unknown) => err instanceof ConfigError && /VT_FEEDS: must be a comma-separated list of files, urls, domains, ip_addresses/.test(err.message) && /VT_FEED_BACKFILL_MINUTES/.test(err.message),
  );
});

test('when VT_FEEDS is set and the bzip2 program cannot be run, then the start stops saying how to get it; without VT_FEEDS it is not needed', () => {
  for (const program of ['no-such-bzip2-program', '/nonexistent/bin/bzip2']) {
    assert.throws(
      () => loadConfig({ VT_API_KEY: 'shared', VT_FEEDS: 'domains', VT_FEED_BZIP2: program }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(`VT_FEED_BZIP2: cannot run "${program}" (ENOENT)`) && /apt-get install bzip2/.test(err.message),
    );
  }
  assert.throws(() => loadConfig({ VT_API_KEY: 'shared', VT_FEEDS: 'domains', VT_FEED_BZIP2: 'false' }), (err: unknown) => err instanceof ConfigError && /"false --help" failed \(exit 1\)/.test(err.message));
  assert.deepEqual(loadConfig({ VT_API_KEY: 'shared', VT_FEED_BZIP2: 'no-such-bzip2-program' }).feeds.types, []);
  assert.equal(loadConfig({ VT_API_KEY: 'shared', VT_FEEDS: 'domains' }).feeds.bzip2, 'bzip2');
});
