import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callsUntilDone, type PendingReport } from '../../src/lookups/queue-position.js';
import { FairShare, HEAD_START_CALLS, type Runnable } from '../../src/lookups/fair-share.js';

/** Small seeded PRNG (mulberry32): the same configurations on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Runs the scheduler's turn-taking (FairShare, one row per turn) from this moment until the
 * target's last row is looked up; returns the calls made. `reports` is in upload order.
 */
function simulateCallsUntilDone(fair: FairShare, reports: PendingReport[], reportId: string): number {
  const left = new Map(reports.map((r) => [r.reportId, r.pending]));
  let calls = 0;
  while ((left.get(reportId) ?? 0) > 0) {
    const runnable: Runnable[] = reports.filter((r) => (left.get(r.reportId) ?? 0) > 0).map(({ reportId: id, userId }) => ({ reportId: id, userId }));
    const next = fair.order(runnable)[0];
    assert.ok(next);
    fair.served(next);
    left.set(next.reportId, (left.get(next.reportId) ?? 0) - 1);
    calls++;
  }
  return calls;
}

interface Config {
  reports: PendingReport[];
  target: PendingReport;
}

function randomConfig(random: () => number): Config {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const reports: PendingReport[] = [];
  const users = int(1, 4);
  for (let u = 1; u <= users; u++) {
    const count = int(1, 3);
    for (let i = 0; i < count; i++) reports.push({ reportId: `u${u}-r${i}`, userId: u, pending: int(1, 40) });
  }
  const target = reports[int(0, reports.length - 1)];
  assert.ok(target);
  return { reports, target };
}

/** Upload order in which the target's owner, and the target among the owner's reports, come last. */
function targetLast({ reports, target }: Config): PendingReport[] {
  const others = reports.filter((r) => r.userId !== target.userId);
  const ownOthers = reports.filter((r) => r.userId === target.userId && r !== target);
  return [...others, ...ownOthers, target];
}

describe('callsUntilDone', () => {
  it('when the report is the only one waiting, then it is done after its own pending rows', () => {
    // Arrange
    const reports = [{ reportId: 'r', userId: 1, pending: 37 }];

    // Act
    const calls = callsUntilDone(reports, 'r');

    // Assert
    assert.equal(calls, 37);
  });

  it('when a small report waits beside another user\'s large one, then it is done after twice its rows', () => {
    // Arrange
    const reports = [
      { reportId: 'big', userId: 1, pending: 10_000 },
      { reportId: 'small', userId: 2, pending: 10 },
    ];

    // Act
    const calls = callsUntilDone(reports, 'small');

    // Assert: turns alternate, so the large list takes one turn per turn of the small one
    assert.equal(calls, 20);
  });

  it('when the owner has another, smaller report, then both reports\' rows are counted', () => {
    // Arrange
    const reports = [
      { reportId: 'mine', userId: 1, pending: 30 },
      { reportId: 'my-other', userId: 1, pending: 8 },
    ];

    // Act
    const calls = callsUntilDone(reports, 'mine');

    // Assert
    assert.equal(calls, 38);
  });

  it('when the owner has another, larger report, then it counts only the turns it takes while this one runs', () => {
    // Arrange
    const reports = [
      { reportId: 'mine', userId: 1, pending: 30 },
      { reportId: 'my-other', userId: 1, pending: 500 },
    ];

    // Act
    const calls = callsUntilDone(reports, 'mine');

    // Assert
    assert.equal(calls, 60);
  });

  it('when other users have fewer rows than the owner\'s turns, then they count only what they have', () => {
    // Arrange: owner needs 30 + 8 turns; user 2 has 5 rows over two reports, user 3 has 1000
    const reports = [
      { reportId: 'mine', userId: 1, pending: 30 },
      { reportId: 'my-other', userId: 1, pending: 8 },
      { reportId: 'u2-a', userId: 2, pending: 3 },
      { reportId: 'u2-b', userId: 2, pending: 2 },
      { reportId: 'u3', userId: 3, pending: 1000 },
    ];

    // Act
    const calls = callsUntilDone(reports, 'mine');

    // Assert
    assert.equal(calls, 38 + 5 + 38);
  });

  it('when only the owner\'s own key serves them, then other users\' work is not counted', () => {
    // Arrange
    const reports = [
      { reportId: 'mine', userId: 1, pending: 30 },
      { reportId: 'my-other', userId: 1, pending: 8 },
      { reportId: 'theirs', userId: 2, pending: 1000 },
    ];

    // Act
    const calls = callsUntilDone(reports, 'mine', true);

    // Assert
    assert.equal(calls, 38);
  });

  it('when the report is unknown or has nothing pending, then nothing is ahead of it', () => {
    // Arrange
    const reports = [
      { reportId: 'theirs', userId: 2, pending: 1000 },
      { reportId: 'done', userId: 1, pending: 0 },
    ];

    // Act / Assert
    assert.equal(callsUntilDone(reports, 'missing'), 0);
    assert.equal(callsUntilDone(reports, 'done'), 0);
  });

  it('when everyone starts waiting together, then the estimate equals the scheduler\'s calls when ties go against the report, and is never earlier otherwise', () => {
    const random = seeded(20_261_121);
    for (let i = 0; i < 300; i++) {
      // Arrange
      const config = randomConfig(random);
      const label = JSON.stringify(config);

      // Act
      const estimate = callsUntilDone(config.reports, config.target.reportId);
      const worstCase = simulateCallsUntilDone(new FairShare(), targetLast(config), config.target.reportId);
      const asUploaded = simulateCallsUntilDone(new FairShare(), config.reports, config.target.reportId);

      // Assert
      assert.equal(estimate, worstCase, `estimate differs from the scheduler for ${label}`);
      assert.ok(asUploaded <= estimate, `estimate ${estimate} is earlier than the scheduler's ${asUploaded} for ${label}`);
    }
  });

  it('when another user arrives after the owner\'s list has run a while, then the estimate is not earlier than the scheduler', () => {
    // Arrange: user 1's report had 100 calls alone and has 10 rows left; user 2 then uploads 1000
    const fair = new FairShare();
    const mine: PendingReport = { reportId: 'mine', userId: 1, pending: 110 };
    for (let i = 0; i < 100; i++) {
      const next = fair.order([mine])[0];
      assert.ok(next);
      fair.served(next);
    }
    const now: PendingReport[] = [{ ...mine, pending: 10 }, { reportId: 'theirs', userId: 2, pending: 1000 }];

    // Act
    const estimate = callsUntilDone(now, 'mine', false, fair.shares());
    const actual = simulateCallsUntilDone(fair, now, 'mine');

    // Assert: with the scheduler's served counts the estimate errs late, never early, and by a tie at most
    assert.ok(estimate - actual <= 1, `estimated ${estimate} calls, the scheduler needs ${actual}`);
    assert.ok(actual <= estimate, `estimated ${estimate} calls, but the scheduler needs ${actual} (the newcomer's head start is ${HEAD_START_CALLS} calls)`);
  });
});
