import type { Db, Executor } from '../shared/database.js';
import { lockUserWindow } from '../shared/user-rate-window.repository.js';

/** The user's lock row for counting their slots: the same per-user lock the rate windows use. */
const LOCK = 'download-slots';

/**
 * Takes one of the user's `perUser` slots, or says how many are held. Counted under the user's row
 * lock, so two instances cannot both take the last slot; slots past their expiry (their instance
 * died) are deleted first.
 */
export function takeDownloadSlot(
  db: Db,
  slot: { id: string; userId: number; expiresAt: number },
  perUser: number,
  now: number,
): Promise<{ ok: true } | { ok: false; held: number }> {
  return db.transaction().execute(async (trx) => {
    await lockUserWindow(trx, LOCK, slot.userId);
    await trx.deleteFrom('download_slots').where('user_id', '=', slot.userId).where('expires_at', '<=', now).execute();
    const held = await countDownloadSlots(trx, slot.userId, now);
    if (held >= perUser) return { ok: false, held };
    await trx.insertInto('download_slots').values({ id: slot.id, user_id: slot.userId, expires_at: slot.expiresAt }).execute();
    return { ok: true };
  });
}

export async function renewDownloadSlot(db: Db, id: string, expiresAt: number): Promise<void> {
  await db.updateTable('download_slots').set({ expires_at: expiresAt }).where('id', '=', id).execute();
}

export async function releaseDownloadSlot(db: Db, id: string): Promise<void> {
  await db.deleteFrom('download_slots').where('id', '=', id).execute();
}

/** Slots the user holds on any instance that have not expired. */
export async function countDownloadSlots(db: Executor, userId: number, now: number): Promise<number> {
  const row = await db
    .selectFrom('download_slots')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
