/**
 * A fresh PostgreSQL database for each test app, when the run is on PostgreSQL (TEST_DATABASE_URL,
 * set by scripts/test.ts to its throwaway cluster). Each is a copy of a template database migrated
 * once per schema (CREATE DATABASE … TEMPLATE: milliseconds, where migrating costs a second).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../src/shared/database.js';

/** The cluster's maintenance database URL, or null when this run is on SQLite. */
export function testDatabaseUrl(): string | null {
  return process.env.TEST_DATABASE_URL || null;
}

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(base: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The template's name follows the migrations' content, so a changed migration gets a new template. */
function templateName(): string {
  const folder = fileURLToPath(new URL('../../db/', import.meta.url));
  const hash = createHash('sha256');
  for (const sub of ['', 'migrations/']) {
    for (const file of readdirSync(`${folder}${sub}`).filter((f) => f.endsWith('.ts')).sort()) {
      hash.update(file).update(readFileSync(`${folder}${sub}${file}`));
    }
  }
  return `hash_report_template_${hash.digest('hex').slice(0, 12)}`;
}

async function ensureTemplate(client: pg.Client, base: string): Promise<string> {
  const name = templateName();
  // One creator at a time, even if test files ever run side by side.
  await client.query('SELECT pg_advisory_lock(1313)');
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return name;
    const building = `${name}_building`;
    await client.query(`DROP DATABASE IF EXISTS ${building}`);
    await client.query(`CREATE DATABASE ${building}`);
    const { db } = openDatabase(databaseUrl(base, building));
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
    // Renamed once complete: a run interrupted while migrating never leaves a half-made template.
    await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    return name;
  } finally {
    await client.query('SELECT pg_advisory_unlock(1313)');
  }
}

export interface AppDatabase {
  url: string;
  /** Drops the database, closing any connection still open on it. */
  drop(): Promise<void>;
}

/** A new, migrated database on the test cluster. */
export async function createAppDatabase(base: string): Promise<AppDatabase> {
  const name = `hash_report_${randomBytes(6).toString('hex')}`;
  await withAdmin(base, async (client) => {
    const template = await ensureTemplate(client, base);
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  });
  return {
    url: databaseUrl(base, name),
    drop: () => withAdmin(base, async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
