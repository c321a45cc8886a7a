import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inWords, stallOf } from '../../src/lookups/stall.js';
import type { QuotaSnapshot } from '../../src/lookups/rate-limiter.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

const quota = (over: Partial<QuotaSnapshot>): QuotaSnapshot => ({
  usedInWindow: 0, usedToday: 0, usedThisMonth: 0, perMinute: 4, perDay: 500, perMonth: null, windowMs: 60_000,
  nextSlotAt: NOW, dayExhausted: false, monthExhausted: false, atOnce: 1, burst: 1, ...over,
});

test('when the minute\'s allowance is used up, then the stall says so and when the next lookup goes', () => {
  const stall = stallOf(5, null, quota({ usedInWindow: 4, nextSlotAt: NOW + 43_000 }), NOW);
  assert.equal(stall?.reason, 'minute');
  assert.equal(stall?.message, "The minute's quota is spent: next lookup in 43 s.");
  assert.equal(stall?.until?.getTime(), NOW + 43_000);
});

test('when calls are paced within the minute, then the stall says the pace, not a spent quota', () => {
  const stall = stallOf(5, null, quota({ usedInWindow: 1, nextSlotAt: NOW + 12_500 }), NOW);
  assert.equal(stall?.message, 'Lookups are spaced out to stay within 4 a minute: next lookup in 13 s.');
});

test('when something stops the lookups, then its own words are the reason, with the wait', () => {
  const pause = { reason: 'vt_down' as const, message: 'VirusTotal is not answering; lookups pause.', until: NOW + 5 * 60_000 };
  assert.equal(stallOf(5, pause, quota({}), NOW)?.message, 'VirusTotal is not answering; lookups pause. Next lookup in 5 min.');
  assert.equal(stallOf(5, { ...pause, reason: 'no_key', until: null }, quota({}), NOW)?.message, 'VirusTotal is not answering; lookups pause.');
});

test('when a slot is free now, or nothing is left to look up, then there is no stall', () => {
  assert.equal(stallOf(5, null, quota({ nextSlotAt: NOW }), NOW), null);
  assert.equal(stallOf(0, null, quota({ usedInWindow: 4, nextSlotAt: NOW + 43_000 }), NOW), null);
});

test('when waits are long, then they read in minutes and hours', () => {
  assert.deepEqual([inWords(400), inWords(119_000), inWords(121_000), inWords(5 * 3_600_000)], ['in 1 s', 'in 119 s', 'in 3 min', 'in 5 h']);
});
