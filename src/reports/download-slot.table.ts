import type { Selectable } from 'kysely';

/** A download in flight somewhere; it frees itself at `expires_at` unless its instance renews it. */
export interface DownloadSlotTable {
  id: string;
  user_id: number;
  expires_at: number;
}

export type DownloadSlotRow = Selectable<DownloadSlotTable>;
