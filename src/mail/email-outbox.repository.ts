import type { Db } from '../shared/database.js';

export interface DueEmail {
  reportId: string;
  reportName: string;
  to: string;
  attempts: number;
  /** The owner's users.email_attachment, as stored (see report-attachment.ts toAttachmentChoice). */
  attachment: string;
  /** The owner confirmed the address (users.email_confirmed_at); nothing is sent to one that is not. */
  confirmed: boolean;
}

/** Reports whose "ready" email is due now (pending, past its retry time). */
export async function findDueEmails(db: Db, now: number): Promise<DueEmail[]> {
  const rows = await db
    .selectFrom('reports as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.id', 'r.name', 'r.email_attempts', 'u.email', 'u.email_attachment', 'u.email_confirmed_at'])
    .where('r.email_status', '=', 'pending')
    .where((eb) => eb.or([eb('r.email_next_at', 'is', null), eb('r.email_next_at', '<=', now)]))
    .orderBy('r.email_next_at')
    .limit(50)
    .execute();
  return rows.map((r) => ({ reportId: r.id, reportName: r.name, to: r.email, attempts: r.email_attempts, attachment: r.email_attachment, confirmed: r.email_confirmed_at != null }));
}

export async function findNextEmailAt(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.min('email_next_at').as('at'))
    .where('email_status', '=', 'pending')
    .executeTakeFirst();
  return row?.at ?? null;
}

export async function markEmailSent(db: Db, reportId: string, attempts: number): Promise<void> {
  await db.updateTable('reports').set({ email_status: 'sent', email_attempts: attempts, email_error: null, email_next_at: null }).where('id', '=', reportId).execute();
}

/** Records a failed send; with `nextAt` null the email is given up and shown as failed. */
export async function markEmailFailed(db: Db, reportId: string, failure: { attempts: number; reason: string; nextAt: number | null }): Promise<void> {
  await db
    .updateTable('reports')
    .set({
      email_status: failure.nextAt == null ? 'failed' : 'pending',
      email_attempts: failure.attempts,
      email_error: failure.reason,
      email_next_at: failure.nextAt,
    })
    .where('id', '=', reportId)
    .execute();
}
