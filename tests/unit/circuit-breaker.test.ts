import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../src/lookups/circuit-breaker.js';

const NORMAL = 8;
const OPTIONS = { threshold: 3, probeMs: 1_000, maxProbeMs: 5_000 };

function breakerAt(start: number) {
  let t = start;
  const now = () => t;
  const breaker = new CircuitBreaker(OPTIONS, now);
  return { breaker, advance: (ms: number) => { t += ms; }, at: () => t };
}

let files = 0;
/** A file not failed before: the breaker counts distinct files. */
const anotherFile = () => `file-${++files}`;

/** Fails `n` different files in a row; returns what each failure() said. */
function fail(breaker: CircuitBreaker, n: number, reason = 'HTTP 503'): boolean[] {
  return Array.from({ length: n }, () => breaker.failure(reason, anotherFile()));
}

describe('CircuitBreaker', () => {
  it('when fewer failures than the threshold come in a row, then nothing pauses', () => {
    // Arrange
    const { breaker } = breakerAt(Date.UTC(2026, 10, 21, 10));

    // Act
    const opened = fail(breaker, OPTIONS.threshold - 1);

    // Assert
    assert.deepEqual(opened, [false, false]);
    assert.equal(breaker.allowance(NORMAL), NORMAL);
    assert.equal(breaker.pause(), null);
    assert.equal(breaker.isTripped(), false);
  });

  it('when the threshold of failures comes in a row, then lookups pause as vt_down with no allowance until the probe time', () => {
    // Arrange
    const { breaker, at } = breakerAt(Date.UTC(2026, 10, 21, 10));

    // Act
    const opened = fail(breaker, OPTIONS.threshold, 'connection reset');

    // Assert
    assert.deepEqual(opened, [false, false, true]);
    assert.equal(breaker.allowance(NORMAL), 0);
    const pause = breaker.pause();
    assert.ok(pause);
    assert.equal(pause.reason, 'vt_down');
    assert.equal(pause.until, at() + OPTIONS.probeMs);
    assert.match(pause.message, /connection reset/);
    assert.equal(breaker.isTripped(), true);
  });

  it('when more failures arrive while open, then they neither re-open nor extend the pause', () => {
    // Arrange
    const { breaker, advance, at } = breakerAt(Date.UTC(2026, 10, 21, 10));
    fail(breaker, OPTIONS.threshold);
    const until = at() + OPTIONS.probeMs;

    // Act: calls that were already in flight come back failed
    advance(500);
    const opened = fail(breaker, 2);

    // Assert
    assert.deepEqual(opened, [false, false]);
    assert.equal(breaker.pause()?.until, until);
  });

  it('when the wait is over, then one probe may go and the pause is still shown, with no end time', () => {
    // Arrange
    const { breaker, advance } = breakerAt(Date.UTC(2026, 10, 21, 10));
    fail(breaker, OPTIONS.threshold);

    // Act
    advance(OPTIONS.probeMs);

    // Assert
    assert.equal(breaker.allowance(NORMAL), 1);
    const pause = breaker.pause();
    assert.ok(pause);
    assert.equal(pause.reason, 'vt_down');
    assert.equal(pause.until, null);
    assert.equal(breaker.isTripped(), true);
  });

  it('when the probe gets an answer, then lookups resume at the normal allowance and the pause is gone', () => {
    // Arrange
    const { breaker, advance } = breakerAt(Date.UTC(2026, 10, 21, 10));
    fail(breaker, OPTIONS.threshold);
    advance(OPTIONS.probeMs);
    assert.equal(breaker.allowance(NORMAL), 1);

    // Act
    breaker.success();

    // Assert
    assert.equal(breaker.allowance(NORMAL), NORMAL);
    assert.equal(breaker.pause(), null);
    assert.equal(breaker.isTripped(), false);
  });

  it('when probes keep failing, then each re-opens the breaker for twice the last wait, up to maxProbeMs', () => {
    // Arrange
    const { breaker, advance, at } = breakerAt(Date.UTC(2026, 10, 21, 10));
    fail(breaker, OPTIONS.threshold);
    const waits: number[] = [];

    // Act
    for (let i = 0; i < 4; i++) {
      advance(breaker.pause()!.until! - at());
      assert.equal(breaker.allowance(NORMAL), 1, 'the wait is over: a probe may go');
      assert.equal(breaker.failure('HTTP 502', anotherFile()), true, 'a failed probe re-opens');
      assert.equal(breaker.allowance(NORMAL), 0);
      waits.push(breaker.pause()!.until! - at());
    }

    // Assert
    assert.deepEqual(waits, [2_000, 4_000, 5_000, 5_000]);
  });

  it('when a probe succeeds after long waits, then the next outage starts again from the first wait', () => {
    // Arrange: two failed probes have pushed the wait to 4 s
    const { breaker, advance, at } = breakerAt(Date.UTC(2026, 10, 21, 10));
    fail(breaker, OPTIONS.threshold);
    for (let i = 0; i < 2; i++) {
      advance(breaker.pause()!.until! - at());
      breaker.allowance(NORMAL);
      breaker.failure('timeout', anotherFile());
    }
    advance(breaker.pause()!.until! - at());
    breaker.allowance(NORMAL);
    breaker.success();

    // Act
    fail(breaker, OPTIONS.threshold);

    // Assert
    assert.equal(breaker.pause()?.until, at() + OPTIONS.probeMs);
  });

  it('when a success comes between failures, then the count starts over', () => {
    // Arrange
    const { breaker } = breakerAt(Date.UTC(2026, 10, 21, 10));
    fail(breaker, OPTIONS.threshold - 1);

    // Act
    breaker.success();
    const opened = fail(breaker, OPTIONS.threshold - 1);

    // Assert
    assert.deepEqual(opened, [false, false]);
    assert.equal(breaker.isTripped(), false);
    assert.equal(breaker.allowance(NORMAL), NORMAL);
    assert.equal(breaker.failure('HTTP 500', anotherFile()), true, 'the threshold-th failure since the success opens it');
  });

  it('when the breaker has not opened, then failures are the row\'s; while open or probing they are VirusTotal\'s', () => {
    // Arrange
    const { breaker, advance } = breakerAt(Date.UTC(2026, 10, 21, 10));

    // Act / Assert
    assert.equal(breaker.isTripped(), false);
    fail(breaker, OPTIONS.threshold - 1);
    assert.equal(breaker.isTripped(), false, 'below the threshold');
    breaker.failure('HTTP 503', anotherFile());
    assert.equal(breaker.isTripped(), true, 'open');
    advance(OPTIONS.probeMs);
    breaker.allowance(NORMAL);
    assert.equal(breaker.isTripped(), true, 'probing');
    breaker.success();
    assert.equal(breaker.isTripped(), false, 'closed again');
  });

  it('when one file fails again and again, then that is the file\'s problem and nothing pauses', () => {
    // Arrange
    const { breaker } = breakerAt(Date.UTC(2026, 10, 21, 10));

    // Act
    const opened = Array.from({ length: OPTIONS.threshold * 3 }, () => breaker.failure('HTTP 500', 'the-same-file'));

    // Assert
    assert.ok(opened.every((o) => o === false));
    assert.equal(breaker.pause(), null);
    assert.equal(breaker.failure('HTTP 500', anotherFile()), false, 'one other file makes two, below the threshold');
  });
});
