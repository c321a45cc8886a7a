import type { Selectable } from 'kysely';

/** One per-user limit's window ("api", "uploads"), or the lock row under which a count is taken. */
export interface UserRateWindowTable {
  name: string;
  user_id: number;
  /** JSON array of the epoch-ms times let through in the current window, oldest first. */
  hits: string;
}

export type UserRateWindowRow = Selectable<UserRateWindowTable>;
