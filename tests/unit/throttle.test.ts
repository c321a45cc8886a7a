import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressKey, AUTH_LIMITS, describeWait, strike, TooManyAttemptsError, waitMs, type ThrottlePolicy, type ThrottleState } from '../../src/auth/throttle.js';

const POLICY: ThrottlePolicy = { free: 3, baseDelayMs: 1000, lockAfter: 10, lockMs: 900_000, windowMs: 900_000 };
const T0 = 1_700_000_000_000;

/** Strikes `n` times, each when the previous wait is over, as a patient attacker would. */
function strikes(n: number, policy = POLICY, start = T0): { state: ThrottleState | undefined; now: number; waits: number[] } {
  let state: ThrottleState | undefined;
  let now = start;
  const waits: number[] = [];
  for (let i = 0; i < n; i += 1) {
    now += waitMs(state, now);
    state = strike(state, policy, now);
    waits.push(waitMs(state, now));
  }
  return { state, now, waits };
}

describe('throttle counters', () => {
  it('when the free strikes are used, then each further one doubles the wait from the base delay, and the tenth locks for the lock window', () => {
    // Act
    const { waits } = strikes(10);

    // Assert
    assert.deepEqual(waits, [0, 0, 0, 1000, 2000, 4000, 8000, 16_000, 32_000, 900_000]);
  });

  it('when a wait would pass the lock window, then it is capped at the lock window', () => {
    const steep: ThrottlePolicy = { ...POLICY, lockAfter: 100, windowMs: 10 * 3_600_000 };
    assert.equal(Math.max(...strikes(40, steep).waits), steep.lockMs);
  });

  it('when the window since the first strike is over, then the count starts over', () => {
    // Arrange
    const { state, now } = strikes(5);

    // Act
    const later = strike(state, POLICY, T0 + POLICY.windowMs + 1);
    const sooner = strike(state, POLICY, now + 2000);

    // Assert
    assert.equal(later.failures, 1);
    assert.equal(waitMs(later, T0 + POLICY.windowMs + 1), 0);
    assert.equal(sooner.failures, 6);
  });

  it('when a counter has no row or its waits are over, then nothing is refused', () => {
    assert.equal(waitMs(undefined, T0), 0);
    assert.equal(waitMs({ failures: 9, first_at: T0, next_allowed_at: T0 + 10, locked_until: T0 + 20 }, T0 + 20), 0);
    assert.equal(waitMs({ failures: 9, first_at: T0, next_allowed_at: T0 + 10, locked_until: T0 + 20 }, T0 + 5), 15);
  });

  it('when registration allows 10 an hour, then the 10th registration locks the address for an hour and none waits before', () => {
    const { waits } = strikes(10, AUTH_LIMITS.registerIp);
    assert.deepEqual(waits, [...Array<number>(9).fill(0), 3_600_000]);
  });

  it('when the built-in limits are read, then the account allows 3 free tries and locks at 10 for 15 minutes, the address allows more', () => {
    assert.deepEqual(AUTH_LIMITS.loginAccount, { free: 3, baseDelayMs: 1000, lockAfter: 10, lockMs: 900_000, windowMs: 900_000 });
    assert.ok(AUTH_LIMITS.loginIp.free > AUTH_LIMITS.loginAccount.free);
    assert.ok(AUTH_LIMITS.loginIp.lockAfter > AUTH_LIMITS.loginAccount.lockAfter);
  });
});

describe('refusal messages', () => {
  it('when a wait is given, then it is said in whole seconds under a minute and whole minutes above, rounded up', () => {
    assert.equal(describeWait(1), '1 second');
    assert.equal(describeWait(1000), '1 second');
    assert.equal(describeWait(1001), '2 seconds');
    assert.equal(describeWait(59_000), '59 seconds');
    assert.equal(describeWait(60_000), '1 minute');
    assert.equal(describeWait(61_000), '2 minutes');
    assert.equal(describeWait(900_000), '15 minutes');
  });

  it('when an attempt is refused, then the error is a 429 with the wait in the message and in retryAfterSeconds', () => {
    const err = new TooManyAttemptsError('Too many sign-in attempts for this account or from this address.', 119_500);
    assert.equal(err.status, 429);
    assert.equal(err.message, 'Too many sign-in attempts for this account or from this address. Try again in 2 minutes.');
    assert.equal(err.retryAfterSeconds, 120);
  });
});

describe('addressKey', () => {
  it('when the address is IPv4 or IPv4-mapped IPv6, then the key is the IPv4 address', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  });

  it('when the address is IPv6, then the key is its /64, however the address is written', () => {
    assert.equal(addressKey('2001:db8:0:1:aaaa:bbbb:cccc:dddd'), '2001:db8:0:1::/64');
    assert.equal(addressKey('2001:0DB8:0000:0001::1'), '2001:db8:0:1::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
  });

  it('when there is no address (the socket is gone), then one shared key', () => {
    assert.equal(addressKey(undefined), 'unknown');
  });
});
