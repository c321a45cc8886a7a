import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';
import { estimateReport, type LookupStatus } from '../../src/lookups/report-estimate.js';
import type { QuotaSnapshot } from '../../src/lookups/rate-limiter.js';

const opened: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const database of opened) await database.close();
});

test('when no key serving the owner has any allowance left to give, then the estimate has no finish time rather than an invalid date', async () => {
  // Arrange: what KeyRing.quotaFor answers once every key serving the owner was refused, read a
  // moment after blockedFor still said nothing blocked them (a probe came back refused in between)
  const database = openDatabase(join(mkdtempSync(join(tmpdir(), 'estimate-')), 'app.sqlite'));
  opened.push(database);
  await migrateToLatest(database.db);
  const now = Date.UTC(2026, 11, 6, 12);
  const none: QuotaSnapshot = { usedInWindow: 0, usedToday: 0, usedThisMonth: 0, perMinute: 0, perDay: 0, perMonth: null, windowMs: 60_000, nextSlotAt: now, dayExhausted: true, monthExhausted: false, atOnce: 0, burst: 0 };
  const status: LookupStatus = {
    blockedFor: () => null,
    bannerFor: () => null,
    quotaFor: () => none,
    servesOnlyOwnKey: () => false,
    shares: () => ({ users: new Map(), reports: new Map() }),
  };

  // Act: an added row makes one call to estimate
  const estimate = await estimateReport(database.db, status, { reportId: 'r1', userId: 1, addedCalls: 1 }, now);

  // Assert
  assert.equal(estimate.finishAt, null);
  assert.equal(estimate.callsAhead, 1);
});
