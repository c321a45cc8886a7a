/**
 * The one timer for the earliest moment the scheduler knows something can go (a backoff, a quota
 * window, a pause ending). Asking for a later moment never delays an earlier one already set.
 */
export class WakeTimer {
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly now: () => number,
    private readonly onWake: () => void,
  ) {}

  wakeAt(at: number): void {
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.onWake();
    }, Math.max(0, at - this.now()));
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
