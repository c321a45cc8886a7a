import type { Pause } from './pause.js';

export interface BreakerOptions {
  /** Distinct files failing in a row (5xx, resets, timeouts, garbled bodies) that mean VirusTotal is down, not one file. */
  threshold: number;
  /** First wait before a probe; doubles after each failed probe, up to `maxProbeMs`. */
  probeMs: number;
  maxProbeMs: number;
}

/** The breaker as saved for the next dispatcher (see dispatcher-memory.ts). */
export interface BreakerState {
  failures: number;
  failing: string[];
  openUntil: number | null;
  wait: number;
  probing: boolean;
  lastReason: string;
}

/**
 * Tells a bad answer about one file from VirusTotal being down. After `threshold` failures in a row
 * every lookup pauses; when the wait is over a single probe goes out, and the first real answer
 * resumes everything. While open, failures do not count against any row's attempts.
 */
export class CircuitBreaker {
  private failures = 0;
  /** The files of the current run of failures: one file failing again and again is that file's problem. */
  private readonly failing = new Set<string>();
  private openUntil: number | null = null;
  private wait: number;
  /** The wait is over and a probe may go; lookups run one at a time until an answer comes back. */
  private probing = false;
  private lastReason = '';
  private onChange: () => void = () => undefined;

  constructor(private readonly options: BreakerOptions, private readonly now: () => number = Date.now) {
    this.wait = options.probeMs;
  }

  /** `onChange` hears of every change worth saving. */
  observe(onChange: () => void): void {
    this.onChange = onChange;
  }

  exportState(): BreakerState {
    const { failures, openUntil, wait, probing, lastReason } = this;
    return { failures, failing: [...this.failing], openUntil, wait, probing, lastReason };
  }

  importState(state: BreakerState): void {
    this.failures = state.failures;
    this.failing.clear();
    for (const subject of state.failing) this.failing.add(subject);
    this.openUntil = state.openUntil;
    this.wait = state.wait;
    this.probing = state.probing;
    this.lastReason = state.lastReason;
  }

  /** Returns true when this failure opened (or re-opened) the breaker. */
  failure(reason: string, subject: string): boolean {
    this.lastReason = reason;
    this.failures++;
    this.failing.add(subject);
    const opened = this.probing || (this.openUntil === null && this.failing.size >= this.options.threshold);
    if (opened) {
      if (this.probing) this.wait = Math.min(this.wait * 2, this.options.maxProbeMs);
      this.probing = false;
      this.openUntil = this.now() + this.wait;
    }
    this.onChange();
    return opened;
  }

  success(): void {
    // Most answers find the breaker closed and clean: nothing to save.
    const clean = this.failures === 0 && this.openUntil === null && !this.probing && this.wait === this.options.probeMs;
    if (clean) return;
    this.failures = 0;
    this.failing.clear();
    this.openUntil = null;
    this.probing = false;
    this.wait = this.options.probeMs;
    this.onChange();
  }

  /** Failures now are VirusTotal's, not the row's. */
  isTripped(): boolean {
    return this.openUntil !== null || this.probing;
  }

  /** How many lookups may be in flight: none while open, one while probing, else `normal`. */
  allowance(normal: number): number {
    this.refresh();
    if (this.openUntil !== null) return 0;
    return this.probing ? 1 : normal;
  }

  pause(): Pause | null {
    this.refresh();
    if (this.openUntil === null && !this.probing) return null;
    return {
      reason: 'vt_down',
      message: `VirusTotal is not answering (${this.failures} failures in a row, last: ${this.lastReason}); lookups are paused and resume by themselves when a probe gets an answer.`,
      until: this.openUntil,
    };
  }

  private refresh(): void {
    if (this.openUntil !== null && this.openUntil <= this.now()) {
      this.openUntil = null;
      this.probing = true;
      this.onChange();
    }
  }
}
