import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';

/**
 * Seeds the shared cache with an answer for every hash of the list, so the upload completes from the
 * cache: 10 % malicious, 5 % suspicious, 15 % unknown to VirusTotal, the rest clean, 2 % invalid lines.
 * Written with raw statements on a connection of its own: this is set-up, not what is measured.
 */
export function seededList(databasePath: string, rows: number): Buffer {
  const sqlite = new SQLite(databasePath);
  const entry = sqlite.prepare(
    `INSERT INTO cache_entries (key, verdict, sha256, sha1, md5, malicious, suspicious, undetected, harmless, engines, fortinet, last_analysis_date, meaningful_name, fetched_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const alias = sqlite.prepare('INSERT INTO cache_aliases (hash, entry_key) VALUES (?, ?)');
  const lines: string[] = [];
  const now = Date.now();
  sqlite.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const sha256 = randomBytes(32).toString('hex');
      const roll = i % 100;
      if (roll < 2) {
        lines.push(`=HYPERLINK("http://example.test/${i}") not a hash`);
        continue;
      }
      lines.push(sha256);
      if (roll < 17) {
        entry.run(sha256, 'not_found', null, null, null, null, null, null, null, null, null, null, null, now);
      } else {
        const malicious = roll < 27 ? 1 + (i % 60) : 0;
        const suspicious = roll >= 27 && roll < 32 ? 1 + (i % 5) : 0;
        const verdict = malicious > 0 ? 'malicious' : suspicious > 0 ? 'suspicious' : 'clean';
        const analysed = new Date(now - (i % 1000) * 86_400_000).toISOString();
        entry.run(sha256, verdict, sha256, randomBytes(20).toString('hex'), randomBytes(16).toString('hex'), malicious, suspicious, 70 - malicious - suspicious, 0, 70,
          malicious > 0 ? 'W32/Agent.BENCH!tr' : null, analysed, `sample_${i}.exe`, now);
      }
      alias.run(sha256, sha256);
    }
  })();
  sqlite.close();
  return Buffer.from(lines.join('\n'));
}
