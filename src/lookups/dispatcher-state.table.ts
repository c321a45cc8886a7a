import type { Selectable } from 'kysely';

/** One piece of the dispatcher's state that must survive a failover ("breaker", "fair_share", "key:<id>"). */
export interface DispatcherStateTable {
  name: string;
  /** JSON. */
  state: string;
  updated_at: number;
}

export type DispatcherStateRow = Selectable<DispatcherStateTable>;
