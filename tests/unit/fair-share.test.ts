import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FairShare, HEAD_START_CALLS, type Runnable } from '../../src/lookups/fair-share.js';

/** One turn as the scheduler takes it: the first report in the order gets the call. */
function takeTurn(fair: FairShare, runnable: Runnable[]): Runnable {
  const first = fair.order(runnable)[0];
  assert.ok(first, 'order() returned nothing although reports were runnable');
  fair.served(first);
  return first;
}

/** Runs `calls` turns over reports that never run out; returns who got each call. */
function takeTurns(fair: FairShare, runnable: Runnable[], calls: number): Runnable[] {
  return Array.from({ length: calls }, () => takeTurn(fair, runnable));
}

/** How many calls in a row, from the start of `served`, went to `userId`. */
function runOf(served: Runnable[], userId: number): number {
  const other = served.findIndex((r) => r.userId !== userId);
  return other === -1 ? served.length : other;
}

const a1: Runnable = { reportId: 'a1', userId: 1 };
const a2: Runnable = { reportId: 'a2', userId: 1 };
const b1: Runnable = { reportId: 'b1', userId: 2 };

describe('FairShare', () => {
  it('when two users start waiting at once, then their turns alternate', () => {
    // Arrange
    const fair = new FairShare();

    // Act
    const served = takeTurns(fair, [a1, b1], 8);

    // Assert
    assert.deepEqual(served.map((r) => r.userId), [1, 2, 1, 2, 1, 2, 1, 2]);
  });

  it('when a user has two reports waiting, then they alternate within that user\'s turns', () => {
    // Arrange
    const fair = new FairShare();

    // Act
    const served = takeTurns(fair, [a1, a2, b1], 8);

    // Assert: users still alternate, and user 1's turns go a1, a2, a1, a2
    assert.deepEqual(served.map((r) => r.userId), [1, 2, 1, 2, 1, 2, 1, 2]);
    assert.deepEqual(served.filter((r) => r.userId === 1).map((r) => r.reportId), ['a1', 'a2', 'a1', 'a2']);
  });

  for (const [listing, runnable] of [['listed last', [a1, b1]], ['listed first', [b1, a1]]] as const) {
    it(`when a user arrives after another has had 100 calls (${listing}), then the newcomer gets a head start of at most HEAD_START_CALLS, then turns alternate`, () => {
      // Arrange: user 1 alone for 100 calls
      const fair = new FairShare();
      takeTurns(fair, [a1], 100);

      // Act: user 2 arrives with a long list
      const served = takeTurns(fair, [...runnable], HEAD_START_CALLS + 20);

      // Assert
      const headStart = runOf(served, 2);
      assert.ok(headStart <= HEAD_START_CALLS, `the newcomer had ${headStart} calls in a row`);
      assert.equal(headStart, HEAD_START_CALLS, 'a newcomer behind a long list gets the whole head start');
      const after = served.slice(headStart).map((r) => r.userId);
      assert.deepEqual(after, Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1 : 2)));
    });
  }

  it('when a 10-row list arrives behind a long-waiting user, then its 10 calls all go before the long list gets another turn', () => {
    // Arrange
    const fair = new FairShare();
    takeTurns(fair, [a1], 100);
    let newcomerLeft = 10;

    // Act: the newcomer's report stays runnable until its rows are done
    const served: Runnable[] = [];
    for (let i = 0; i < 11; i++) {
      const turn = takeTurn(fair, newcomerLeft > 0 ? [a1, b1] : [a1]);
      if (turn.userId === 2) newcomerLeft--;
      served.push(turn);
    }

    // Assert
    assert.deepEqual(served.map((r) => r.userId), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1]);
  });

  it('when a user stops waiting and comes back later, then they are a newcomer again, not owed the calls they missed', () => {
    // Arrange: user 2 had 5 calls, left, and user 1 carried on alone for 100 more
    const fair = new FairShare();
    takeTurns(fair, [a1], 100);
    takeTurns(fair, [a1, b1], 5);
    takeTurns(fair, [a1], 100);

    // Act
    const served = takeTurns(fair, [a1, b1], HEAD_START_CALLS + 10);

    // Assert: remembered, user 2 would have ~120 calls in a row; as a newcomer it gets the head start
    assert.equal(runOf(served, 2), HEAD_START_CALLS);
    assert.deepEqual(served.slice(HEAD_START_CALLS, HEAD_START_CALLS + 4).map((r) => r.userId), [1, 2, 1, 2]);
  });

  it('when the first user in the order cannot be served, then every other runnable report is still in the order', () => {
    // Arrange
    const fair = new FairShare();
    const c1: Runnable = { reportId: 'c1', userId: 3 };

    // Act
    const order = fair.order([a1, b1, a2, c1]);

    // Assert: all reports, each once, a user's reports together so a blocked user is skipped as one
    assert.equal(order.length, 4);
    assert.deepEqual(new Set(order.map((r) => r.reportId)), new Set(['a1', 'a2', 'b1', 'c1']));
    const users = order.map((r) => r.userId);
    assert.deepEqual(users, [...users].sort((x, y) => users.indexOf(x) - users.indexOf(y)));
  });

  it('when nothing is runnable, then the order is empty', () => {
    // Arrange
    const fair = new FairShare();
    takeTurns(fair, [a1, b1], 3);

    // Act
    const order = fair.order([]);

    // Assert
    assert.deepEqual(order, []);
  });
});

describe('FairShare handed to the next dispatcher', () => {
  it('when its state is saved as JSON and loaded by a new FairShare, then the turns carry on exactly as they would have', () => {
    // Arrange: user 1 had a long run before user 2 arrived, so user 2 is owed turns
    const before = new FairShare();
    takeTurns(before, [a1], 40);
    takeTurns(before, [a1, b1], 5);
    const after = new FairShare();

    // Act
    after.importState(JSON.parse(JSON.stringify(before.exportState())));

    // Assert
    assert.deepEqual(takeTurns(after, [a1, a2, b1], 30), takeTurns(before, [a1, a2, b1], 30));
    assert.deepEqual(after.shares(), before.shares());
  });
});
