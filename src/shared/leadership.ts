/** What a follower asks the leader to do: look for lookups, send due emails, reload a user's own key. */
export type WakeTopic = 'lookups' | 'email' | `key:${number}`;

/**
 * Which instance runs the one-per-deployment work: the lookup dispatcher (so one quota count and one
 * call per file), and the scheduled jobs (cache eviction, completion emails, connector passes,
 * session pruning). Every instance serves pages and the API whether it leads or not.
 */
export interface Leadership {
  /** "sqlite": one process, always the leader; "postgres": elected by an advisory lock. */
  readonly kind: 'sqlite' | 'postgres';
  isLeader(): boolean;
  /**
   * Starts contending. `onChange(true)` when this instance becomes the leader, `onChange(false)` when
   * it lost the lead (its connection to the database dropped): it must stop dispatching at once.
   */
  start(onChange: (leader: boolean) => void): Promise<void>;
  /** A follower queued work: tells the leader, wherever it runs. Best effort: the leader also polls. */
  wakeLeader(topic: WakeTopic): void;
  /** The leader hears followers' wakes here. */
  onWake(listener: (topic: WakeTopic) => void): void;
  /** Steps down (the lock is released) and stops contending. */
  stop(): Promise<void>;
}

/** SQLite is one process on one file: that process leads from the start and never steps down. */
export function soleLeadership(): Leadership {
  let leader = false;
  return {
    kind: 'sqlite',
    isLeader: () => leader,
    async start(onChange) {
      leader = true;
      onChange(true);
    },
    // Never called: the only instance is the leader, and wakes itself directly.
    wakeLeader: () => undefined,
    onWake: () => undefined,
    async stop() {
      leader = false;
    },
  };
}
