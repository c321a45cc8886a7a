import type { Db } from '../shared/database.js';

export async function saveDispatcherState(db: Db, name: string, state: string, at: number): Promise<void> {
  await db
    .insertInto('dispatcher_state')
    .values({ name, state, updated_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ state, updated_at: at }))
    .execute();
}

export async function loadDispatcherStates(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('dispatcher_state').select(['name', 'state']).execute();
  return new Map(rows.map((r) => [r.name, r.state]));
}
