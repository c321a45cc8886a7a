import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';

/** One cache entry of a seeded list, in the column order of ENTRY_COLUMNS. */
export type SeedEntry = [string, string, string | null, string | null, string | null, number | null, number | null, number | null, number | null, number | null, string | null, string | null, string | null, number];

export const ENTRY_COLUMNS = ['key', 'verdict', 'sha256', 'sha1', 'md5', 'malicious', 'suspicious', 'undetected', 'harmless', 'engines', 'fortinet', 'last_analysis_date', 'meaningful_name', 'fetched_at'] as const;

/**
 * A list of `rows` lines and the cache entries that answer it (each entry's alias is its own key):
 * 10 % malicious, 5 % suspicious, 15 % unknown to VirusTotal, the rest clean, 2 % invalid lines.
 */
export function seedData(rows: number, now = Date.now()): { content: Buffer; entries: SeedEntry[] } {
  const lines: string[] = [];
  const entries: SeedEntry[] = [];
  for (let i = 0; i < rows; i++) {
    const sha256 = randomBytes(32).toString('hex');
    const roll = i % 100;
    if (roll < 2) {
      lines.push(`=HYPERLINK("http://example.test/${i}") not a hash`);
      continue;
    }
    lines.push(sha256);
    if (roll < 17) {
      entries.push([sha256, 'not_found', null, null, null, null, null, null, null, null, null, null, null, now]);
    } else {
      const malicious = roll < 27 ? 1 + (i % 60) : 0;
      const suspicious = roll >= 27 && roll < 32 ? 1 + (i % 5) : 0;
      const verdict = malicious > 0 ? 'malicious' : suspicious > 0 ? 'suspicious' : 'clean';
      const analysed = new Date(now - (i % 1000) * 86_400_000).toISOString();
      entries.push([sha256, verdict, sha256, randomBytes(20).toString('hex'), randomBytes(16).toString('hex'), malicious, suspicious, 70 - malicious - suspicious, 0, 70,
        malicious > 0 ? 'W32/Agent.BENCH!tr' : null, analysed, `sample_${i}.exe`, now]);
    }
  }
  return { content: Buffer.from(lines.join('\n')), entries };
}

/**
 * Seeds the shared cache of a SQLite file with an answer for every hash of the list, so the upload
 * completes from the cache (see seedData). Written with raw statements on a connection of its own:
 * this is set-up, not what is measured.
 */
export function seededList(databasePath: string, rows: number): Buffer {
  const { content, entries } = seedData(rows);
  const sqlite = new SQLite(databasePath);
  const entry = sqlite.prepare(`INSERT INTO cache_entries (${ENTRY_COLUMNS.join(', ')}) VALUES (${ENTRY_COLUMNS.map(() => '?').join(', ')})`);
  const alias = sqlite.prepare('INSERT INTO cache_aliases (hash, entry_key) VALUES (?, ?)');
  sqlite.transaction(() => {
    for (const e of entries) {
      entry.run(...e);
      alias.run(e[0], e[0]);
    }
  })();
  sqlite.close();
  return content;
}
