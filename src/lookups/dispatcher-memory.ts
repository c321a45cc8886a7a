import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { BreakerState, CircuitBreaker } from './circuit-breaker.js';
import { loadDispatcherStates, saveDispatcherState } from './dispatcher-state.repository.js';
import type { FairShare, FairShareState } from './fair-share.js';
import type { KeyRing } from './key-ring.js';
import type { KeySlotState } from './key-slot.js';

const KEY_PREFIX = 'key:';
/** Fair-share turns change once a call; saved at most this often (a failover may replay this much of them). */
const TURNS_EVERY_MS = 1000;

/**
 * The dispatcher's state that must outlive the process sending lookups: each key's pause and 429
 * strikes, the circuit breaker and the fair-share turns. Saved to the database when it changes
 * (turns at most once a second, the rest at once, one write at a time, the newest state of each
 * piece winning), and loaded when a dispatcher starts, so the instance that takes over neither
 * hammers a key VirusTotal just refused nor a VirusTotal that is down, nor resets anyone's turn.
 */
export class DispatcherMemory {
  private readonly pending = new Map<string, string>();
  private readonly written = new Map<string, string>();
  private writing: Promise<void> | null = null;
  private turnsTimer: NodeJS.Timeout | null = null;
  /** Only the dispatcher saves: a follower's copy is read-only, or its stale view could overwrite the leader's. */
  private active = false;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /** Saves changes while `active` (this instance dispatches). */
  setActive(active: boolean): void {
    this.active = active;
  }

  /** Saves every change of the three from now on (while active). */
  watch(keys: KeyRing, breaker: CircuitBreaker, fair: FairShare): void {
    keys.observe((slot) => this.save(`${KEY_PREFIX}${slot.key.id}`, slot.exportState()));
    breaker.observe(() => this.save('breaker', breaker.exportState()));
    fair.observe(() => {
      if (!this.active) return;
      this.turnsTimer ??= setTimeout(() => {
        this.turnsTimer = null;
        this.save('fair_share', fair.exportState());
      }, TURNS_EVERY_MS);
      this.turnsTimer.unref();
    });
  }

  /** Puts the saved state back into the three (before the dispatcher starts sending). */
  async restore(keys: KeyRing, breaker: CircuitBreaker, fair: FairShare): Promise<void> {
    const saved = await loadDispatcherStates(this.db);
    const keyStates = new Map<string, KeySlotState>();
    for (const [name, state] of saved) {
      this.written.set(name, state);
      if (name.startsWith(KEY_PREFIX)) keyStates.set(name.slice(KEY_PREFIX.length), JSON.parse(state) as KeySlotState);
    }
    keys.restore(keyStates);
    const breakerState = saved.get('breaker');
    if (breakerState) breaker.importState(JSON.parse(breakerState) as BreakerState);
    const turns = saved.get('fair_share');
    if (turns) fair.importState(JSON.parse(turns) as FairShareState);
  }

  /** Resolves once everything saved so far is written (the turns' pending batch included). */
  async flush(fair?: FairShare): Promise<void> {
    if (this.turnsTimer && fair) {
      clearTimeout(this.turnsTimer);
      this.turnsTimer = null;
      this.save('fair_share', fair.exportState());
    }
    while (this.writing) await this.writing;
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
      // A save between the loop's last check and here found a writer still set: pick it up.
      if (this.pending.size > 0) this.kick();
    });
  }

  private save(name: string, state: unknown): void {
    if (!this.active) return;
    const json = JSON.stringify(state);
    if ((this.pending.get(name) ?? this.written.get(name)) === json) return;
    this.pending.set(name, json);
    this.kick();
  }

  private async writeAll(): Promise<void> {
    while (this.pending.size > 0) {
      const [name, state] = this.pending.entries().next().value as [string, string];
      this.pending.delete(name);
      try {
        await saveDispatcherState(this.db, name, state, Date.now());
        this.written.set(name, state);
      } catch (err) {
        // The next change writes the piece again; a failover meanwhile starts from the older state.
        this.logger.error({ err, name }, 'could not save the dispatcher state');
      }
    }
  }
}
