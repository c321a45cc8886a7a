import { sql, type Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.
// Timestamps are integer milliseconds since the Unix epoch (UTC).

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // Personal tokens of the JSON API. Only the SHA-256 of a token is kept: tokens are 256 random bits,
  // so a fast hash is enough, and a copy of the database cannot be used to call the API.
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', t.bigId, t.autoId)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
    // The token's last four characters, to tell tokens apart in the list; never more.
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('last_used_at', t.ms)
    // Kept after revocation, so the token answers "invalid" rather than disappearing silently.
    .addColumn('revoked_at', t.ms)
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

  // list: an upload (browser or API); lookups: the one report per user that collects the values asked
  // for one at a time through the API, so the scheduler (which only serves report rows) looks them up.
  await db.schema.alterTable('reports').addColumn('kind', 'text', (c) => c.notNull().defaultTo('list')).execute();
  await sql`CREATE UNIQUE INDEX reports_one_lookups_per_user ON reports(user_id) WHERE kind = 'lookups'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX reports_one_lookups_per_user`.execute(db);
  await db.schema.alterTable('reports').dropColumn('kind').execute();
  await db.schema.dropTable('api_tokens').execute();
}
