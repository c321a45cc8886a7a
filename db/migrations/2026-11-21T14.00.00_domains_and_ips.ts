import type { Kysely } from 'kysely';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.
// Timestamps are integer milliseconds since the Unix epoch (UTC).

export async function up(db: Kysely<any>): Promise<void> {
  // Domains and IP addresses share the file pipeline: `hash` (report_items, lookup_jobs, cache_aliases)
  // holds the lookup value (a hash, a domain or an IP) and `hash_type` is md5 | sha1 | sha256 | domain | ip.
  // Values of different types never collide: hashes are bare hex, domains and IPv4 have dots, IPv6 colons.
  // Verdicts gain `not_suspicious`, which only domains and IPs get.
  for (const table of ['cache_entries', 'report_items']) {
    await db.schema.alterTable(table).addColumn('reputation', 'integer').execute();
    // JSON array of distinct category names (domains), null for files and IPs.
    await db.schema.alterTable(table).addColumn('categories', 'text').execute();
    await db.schema.alterTable(table).addColumn('as_owner', 'text').execute();
    await db.schema.alterTable(table).addColumn('country', 'text').execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['report_items', 'cache_entries']) {
    for (const column of ['country', 'as_owner', 'categories', 'reputation']) {
      await db.schema.alterTable(table).dropColumn(column).execute();
    }
  }
}
