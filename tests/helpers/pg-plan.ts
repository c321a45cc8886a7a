import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Database } from '../../src/shared/schema.js';

export interface PgPlan {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PgPlan[];
}

/**
 * PostgreSQL's plan of `query` with `disabled` plan kinds priced out (a tiny table is planned as a
 * sequential scan whatever its indexes): what remains shows what the indexes can do.
 */
export async function pgPlanOf(db: Kysely<Database>, query: CompiledQuery, disabled: Array<'seqscan' | 'sort'>): Promise<PgPlan> {
  return db.connection().execute(async (conn) => {
    for (const kind of disabled) await sql`SET ${sql.raw(`enable_${kind}`)} = off`.execute(conn);
    try {
      const explained = await conn.executeQuery<{ 'QUERY PLAN': Array<{ Plan: PgPlan }> }>(CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${query.sql}`, [...query.parameters]));
      return explained.rows[0]!['QUERY PLAN'][0]!.Plan;
    } finally {
      await sql`RESET ALL`.execute(conn);
    }
  });
}
