import { mulberry32 } from './prng.js';

export type FaultKind = '500' | '503' | 'reset' | 'garbled' | 'timeout' | '429' | '401';

export const FAULT_KINDS: readonly FaultKind[] = ['500', '503', 'reset', 'garbled', 'timeout', '429', '401'];

/** Any fixed value will do: what matters is that two runs without a seed draw the same faults. */
export const DEFAULT_FAULT_SEED = 0x5eed_f417;

/**
 * Decides which requests fail: faults queued with failNext first, in order, then random ones at
 * the set rate. Draws are made per request in arrival order, so a seed fixes which arrivals fail
 * however the requests are spread over clients.
 */
export class FaultPlan {
  #queued: FaultKind[] = [];
  #rate = 0;
  #kinds: readonly FaultKind[] = [];
  #random = mulberry32(DEFAULT_FAULT_SEED);

  queue(n: number, kind: FaultKind): void {
    for (let i = 0; i < n; i++) this.#queued.push(kind);
  }

  setRate(rate: number, kinds: readonly FaultKind[], seed = DEFAULT_FAULT_SEED): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be between 0 and 1, got ${rate}`);
    if (rate > 0 && kinds.length === 0) throw new RangeError('a fault rate above 0 needs at least one fault kind');
    const unknown = kinds.filter((k) => !FAULT_KINDS.includes(k));
    if (unknown.length > 0) throw new RangeError(`unknown fault kinds: ${unknown.join(', ')}`);
    this.#rate = rate;
    this.#kinds = [...kinds];
    this.#random = mulberry32(seed);
  }

  /** The fault for the request that just arrived, if it gets one. */
  next(): FaultKind | undefined {
    const queued = this.#queued.shift();
    if (queued) return queued;
    if (this.#rate === 0 || this.#random() >= this.#rate) return undefined;
    return this.#kinds[Math.floor(this.#random() * this.#kinds.length)];
  }

  reset(): void {
    this.#queued = [];
    this.setRate(0, []);
  }
}
