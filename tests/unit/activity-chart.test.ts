import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildActivityChart, niceCeiling } from '../../src/admin/activity-chart.js';

const MINUTE = 60_000;
// 2026-11-21 09:30 UTC: the day starts mid-hour, so the first tick is 30 minutes in.
const START = Date.UTC(2026, 10, 21, 9, 30);

function day(minutes: Record<number, number> = {}): number[] {
  const counts = new Array<number>(1440).fill(0);
  for (const [i, n] of Object.entries(minutes)) counts[Number(i)] = n;
  return counts;
}

/** The polygon's points as [x, y] pairs. */
function points(area: string): Array<[number, number]> {
  return area.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('the lookups-per-minute chart', () => {
  test('when some minutes had calls, then total, peak, its time, y-axis maximum and summary describe them', () => {
    // Arrange
    const counts = day({ 10: 3, 11: 3, 700: 7, 1439: 1 });

    // Act
    const chart = buildActivityChart(counts, START);

    // Assert
    assert.equal(chart.total, 14);
    assert.equal(chart.peak, 7);
    assert.equal(chart.peakAt, START + 700 * MINUTE);
    assert.equal(chart.yMax, 10);
    assert.equal(chart.summary, '14 lookups in the last 24 h, peak 7 per minute');
  });

  test('when drawn, then the area is a closed step outline on the baseline whose height follows the counts', () => {
    // Arrange
    const counts = day({ 10: 5, 11: 5, 12: 10 });

    // Act
    const chart = buildActivityChart(counts, START);
    const pts = points(chart.area);

    // Assert
    const { left, right, top, bottom } = chart.plot;
    assert.equal(right - left, 1440, 'one unit a minute');
    assert.deepEqual(pts[0], [left, bottom], 'starts on the baseline');
    assert.deepEqual(pts.at(-1), [right, bottom], 'ends on the baseline');
    const half = (top + bottom) / 2;
    assert.ok(pts.some(([x, y]) => x === left + 10 && y === half), '5 of 10 reaches half height');
    assert.ok(pts.some(([x, y]) => x === left + 12 && y === top), 'the peak reaches the top');
    assert.ok(pts.some(([x, y]) => x === left + 13 && y === bottom), 'back to zero after the peak');
    assert.ok(pts.length <= 2 + 2 * 3 + 2, 'only changes make points');
    assert.ok(pts.every(([x, y]) => x >= left && x <= right && y >= top && y <= bottom), 'all inside the plot');
    assert.ok(chart.width > right && chart.height > bottom, 'room for the labels');
  });

  test('when the day starts mid-hour, then there is a tick at every whole UTC hour, labelled every third hour', () => {
    // Act
    const chart = buildActivityChart(day(), START);

    // Assert
    assert.equal(chart.ticks.length, 24);
    assert.deepEqual(chart.ticks[0], { x: chart.plot.left + 30, label: null }, '10:00');
    assert.deepEqual(chart.ticks[2], { x: chart.plot.left + 150, label: '12:00' });
    assert.deepEqual(
      chart.ticks.filter((t) => t.label).map((t) => t.label),
      ['12:00', '15:00', '18:00', '21:00', '00:00', '03:00', '06:00', '09:00'],
    );
  });

  test('when nothing was sent, then the chart is flat with an axis of 1 and says so', () => {
    // Act
    const chart = buildActivityChart(day(), START);

    // Assert
    assert.equal(chart.total, 0);
    assert.equal(chart.peak, 0);
    assert.equal(chart.peakAt, null);
    assert.equal(chart.yMax, 1);
    assert.ok(points(chart.area).every(([, y]) => y === chart.plot.bottom));
    assert.equal(chart.summary, '0 lookups in the last 24 h, peak 0 per minute');
  });

  test('when one call was sent, then the summary uses the singular', () => {
    assert.equal(buildActivityChart(day({ 5: 1 }), START).summary, '1 lookup in the last 24 h, peak 1 per minute');
  });

  test('when rounding the axis, then it picks 1, 2 or 5 times a power of ten at or above the peak', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10, 11, 20, 21, 49, 50, 51, 999].map(niceCeiling), [1, 1, 2, 5, 5, 5, 10, 10, 20, 20, 50, 50, 50, 100, 1000]);
  });
});
