import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeKinds } from '../../src/watch/row-changes.js';
import { loadConfig } from '../../src/shared/config.js';

const row = (before: [string, number | null, string | null], after: [string, number | null, string | null]) => ({
  line: 1,
  input: 'x',
  beforeVerdict: before[0],
  beforeMalicious: before[1],
  beforeFortinet: before[2],
  afterVerdict: after[0],
  afterMalicious: after[1],
  afterFortinet: after[2],
});

test('when a clean file turns malicious with a Fortinet name, then the verdict, the detections and the name changed', () => {
  assert.deepEqual(changeKinds(row(['clean', 0, null], ['malicious', 9, 'W32/Agent.A!tr']), 5), ['verdict', 'detections', 'fortinet']);
});

test('when an unknown value becomes known, then it is "found", not a verdict change', () => {
  assert.deepEqual(changeKinds(row(['not_found', null, null], ['malicious', 2, null]), 5), ['found']);
});

test('when detections rise below the threshold, or fall, then nothing changed', () => {
  assert.deepEqual(changeKinds(row(['malicious', 10, 'A'], ['malicious', 14, 'A']), 5), []);
  assert.deepEqual(changeKinds(row(['malicious', 10, 'A'], ['malicious', 15, 'A']), 5), ['detections']);
  assert.deepEqual(changeKinds(row(['malicious', 10, 'A'], ['malicious', 3, 'A']), 5), []);
});

test('when a row failed before or after, or Fortinet only says clean, then nothing was learnt', () => {
  assert.deepEqual(changeKinds(row(['error', null, null], ['malicious', 9, null]), 5), []);
  assert.deepEqual(changeKinds(row(['malicious', 9, null], ['error', 9, null]), 5), []);
  assert.deepEqual(changeKinds(row(['not_suspicious', 0, 'unrated'], ['not_suspicious', 0, 'clean']), 5), []);
});

test('when the watch settings are wrong, then the start stops naming each; unset, they take their defaults', () => {
  assert.throws(() => loadConfig({ WATCH_RECHECK_HOURS: '0', WATCH_LOOKUPS_PER_DAY: '-1', WATCH_DETECTIONS_UP: 'many' }), (err: Error) =>
    ['WATCH_RECHECK_HOURS', 'WATCH_LOOKUPS_PER_DAY', 'WATCH_DETECTIONS_UP'].every((key) => err.message.includes(key)));
  assert.deepEqual(loadConfig({}).watch, { recheckMs: 24 * 3_600_000, lookupsPerDay: 100, detectionsUp: 5 });
});
