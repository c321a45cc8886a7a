/** Why lookups are not running right now; shown as a banner on every page. */
export type PauseReason = 'no_key' | 'wrong_key' | 'quota' | 'vt_down';

export interface Pause {
  reason: PauseReason;
  message: string;
  /** When lookups try again on their own; null means only a restart with a key helps. */
  until: number | null;
}
