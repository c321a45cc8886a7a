/**
 * The dashboard's "lookups per minute" chart as plain numbers: the view draws them as SVG with
 * escaped attributes, so no markup is built here and the page needs no script or inline style.
 */
export interface ActivityChart {
  /** The SVG's viewBox size; CSS scales it to the page. */
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  /** Closed step outline of the counts, for a <polygon points="…">. */
  area: string;
  /** The value at the top of the y axis: the peak rounded up to 1, 2 or 5 × 10ⁿ. */
  yMax: number;
  ticks: Array<{ x: number; label: string | null }>;
  total: number;
  peak: number;
  /** When the busiest minute began (the first one, on a tie); null when nothing was sent. */
  peakAt: number | null;
  summary: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const MARGIN = { left: 44, top: 12, right: 8, bottom: 22 };
const PLOT_HEIGHT = 120;
/** Hours between labelled ticks; every hour gets a tick mark. */
const LABEL_EVERY_HOURS = 3;

/**
 * Lays out one bucket a minute (index 0 = the minute starting at `start`) as a step area one
 * SVG unit a minute wide, with a tick at every whole UTC hour.
 */
export function buildActivityChart(counts: readonly number[], start: number): ActivityChart {
  const plot = { left: MARGIN.left, top: MARGIN.top, right: MARGIN.left + counts.length, bottom: MARGIN.top + PLOT_HEIGHT };
  const total = counts.reduce((sum, n) => sum + n, 0);
  const peak = Math.max(0, ...counts);
  const peakIndex = peak > 0 ? counts.indexOf(peak) : -1;
  const yMax = niceCeiling(peak);
  const y = (n: number) => round(plot.bottom - (n / yMax) * PLOT_HEIGHT);
  return {
    width: plot.right + MARGIN.right,
    height: plot.bottom + MARGIN.bottom,
    plot,
    area: stepOutline(counts, plot.left, plot.bottom, y),
    yMax,
    ticks: hourTicks(start, counts.length, plot.left),
    total,
    peak,
    peakAt: peakIndex >= 0 ? start + peakIndex * MINUTE_MS : null,
    summary: `${total} ${total === 1 ? 'lookup' : 'lookups'} in the last 24 h, peak ${peak} per minute`,
  };
}

/** 1, 2 or 5 × 10ⁿ at or above `n`; at least 1, so an idle day still has an axis. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  const step = [1, 2, 5, 10].find((m) => m * power >= n) ?? 10;
  return step * power;
}

/** Points only where the count changes, so a quiet day is a handful of points, not 2,880. */
function stepOutline(counts: readonly number[], left: number, baseline: number, y: (n: number) => number): string {
  const points: string[] = [`${left},${baseline}`];
  let previous = 0;
  counts.forEach((n, i) => {
    if (n === previous) return;
    points.push(`${left + i},${y(previous)}`, `${left + i},${y(n)}`);
    previous = n;
  });
  const end = left + counts.length;
  points.push(`${end},${y(previous)}`, `${end},${baseline}`);
  return points.join(' ');
}

function hourTicks(start: number, buckets: number, left: number): ActivityChart['ticks'] {
  const ticks: ActivityChart['ticks'] = [];
  const end = start + buckets * MINUTE_MS;
  for (let at = Math.ceil(start / HOUR_MS) * HOUR_MS; at <= end; at += HOUR_MS) {
    const hour = new Date(at).getUTCHours();
    ticks.push({
      x: left + (at - start) / MINUTE_MS,
      label: hour % LABEL_EVERY_HOURS === 0 ? `${String(hour).padStart(2, '0')}:00` : null,
    });
  }
  return ticks;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
