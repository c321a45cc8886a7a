import type { Executor } from '../shared/database.js';
import type { ObjectSummary } from '../lookups/lookup.types.js';
import { normaliseObject } from '../lookups/normalise-object.js';
import { verdictOf, type Thresholds } from '../lookups/verdict.js';
import { toVtResultColumns, VT_RESULT_COLUMNS } from '../lookups/vt-result.columns.js';
import type { FeedType } from './feed.table.js';
import type { FeedLine } from './feed-lines.js';

// Feed objects into the shared cache, kept exactly as a lookup's answer is kept (cache.repository.ts),
// newest per object id by last_analysis_date: an older object, from a feed in whatever order the
// minutes arrive, never replaces a newer one, whether a feed or a lookup brought that one.

/**
 * A feed line ready to store: its object summarised and its answer gzipped before the transaction
 * (feed-batch.ts), so the parsed object dies young instead of being held through the writes.
 */
export interface StoredLine {
  id: string;
  /** Files, domains, IPs: the object as a lookup summarises it; null for URL objects. */
  summary: ObjectSummary | null;
  /** URL objects: their URL. */
  url: string | null;
  /** last_analysis_date (ISO); null when the object carries none: it only fills an empty place, never replaces. */
  date: string | null;
  answerGzip: Buffer;
}

const LOOKUP_TYPE = { files: 'sha256', domains: 'domain', ip_addresses: 'ip' } as const;

type Candidate = StoredLine & { summary: ObjectSummary };

/** What of a parsed feed line is stored, but its gzipped answer. */
export function summariseFeedLine(feed: FeedType, line: FeedLine): Omit<StoredLine, 'answerGzip'> {
  if (feed === 'urls') return { id: line.id, summary: null, url: urlOf(line), date: urlDate(line) };
  const summary = normaliseObject(LOOKUP_TYPE[feed], line.answer);
  return { id: line.id, summary, url: null, date: summary.lastAnalysisDate };
}

/** Stores one group of a feed's lines; returns the cache entries that changed (files, domains, IPs). */
export async function storeFeedLines(db: Executor, feed: FeedType, lines: StoredLine[], now: number, thresholds: Thresholds): Promise<string[]> {
  if (feed === 'urls') {
    await storeUrls(db, lines, now);
    return [];
  }
  const candidates = newestPerId(lines.filter((line): line is Candidate => line.summary !== null));
  const fresher = await newerThanStored(db, candidates);
  if (fresher.length === 0) return [];
  const answers = await db
    .insertInto('vt_answers')
    .values(fresher.map((c) => ({ sha256: c.summary.id, fetched_at: now, body_gzip: c.answerGzip })))
    .returning(['id', 'sha256'])
    .execute();
  const answerOf = new Map(answers.map((a) => [a.sha256, a.id]));
  const rows = fresher.map(({ summary }) => ({
    key: summary.id,
    ...toVtResultColumns({ ...summary, verdict: verdictOf(summary, thresholds), answerId: answerOf.get(summary.id) ?? null }),
    type_description: summary.typeDescription,
    size: summary.size,
    fetched_at: now,
    from_feed: 1,
  }));
  const changed = await db
    .insertInto('cache_entries')
    .values(rows)
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet((eb) => ({
          ...Object.fromEntries(VT_RESULT_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)])),
          type_description: eb.ref('excluded.type_description'),
          size: eb.ref('excluded.size'),
          fetched_at: eb.ref('excluded.fetched_at'),
          from_feed: eb.ref('excluded.from_feed'),
        }))
        // Checked again here, not only above: a lookup may have stored a newer answer meanwhile.
        .where((eb) => eb.or([eb('cache_entries.last_analysis_date', 'is', null), eb('cache_entries.last_analysis_date', '<', eb.ref('excluded.last_analysis_date'))])),
    )
    .returning('key')
    .execute();
  const keys = new Set(changed.map((r) => r.key));
  const aliases = fresher
    .filter((c) => keys.has(c.summary.id))
    .flatMap(({ summary }) => [...new Set([summary.id, summary.sha1, summary.md5].filter((h): h is string => !!h))].map((hash) => ({ hash, entry_key: summary.id })));
  if (aliases.length > 0) {
    await db.insertInto('cache_aliases').values(aliases).onConflict((oc) => oc.column('hash').doUpdateSet((eb) => ({ entry_key: eb.ref('excluded.entry_key') }))).execute();
  }
  return [...keys];
}

/** One object per id, the newest (a later line wins a tie: it was published later). */
function newestPerId<T extends StoredLine>(items: T[]): T[] {
  const best = new Map<string, T>();
  for (const item of items) {
    const id = item.summary?.id ?? item.id;
    const held = best.get(id);
    if (!held || (item.date ?? '') >= (held.date ?? '')) best.set(id, item);
  }
  return [...best.values()];
}

/** The candidates newer than the entry stored for their id (or with none stored). */
async function newerThanStored(db: Executor, candidates: Candidate[]): Promise<Candidate[]> {
  const stored = await db
    .selectFrom('cache_entries')
    .select(['key', 'last_analysis_date'])
    .where('key', 'in', candidates.map((c) => c.summary.id))
    .execute();
  const dates = new Map(stored.map((s) => [s.key, s.last_analysis_date]));
  return candidates.filter((c) => {
    if (!dates.has(c.summary.id)) return true;
    const held = dates.get(c.summary.id) ?? null;
    return c.date !== null && (held === null || c.date > held);
  });
}

async function storeUrls(db: Executor, lines: StoredLine[], now: number): Promise<void> {
  const items = newestPerId(lines);
  await db
    .insertInto('feed_urls')
    .values(
      items.map((line) => ({ id: line.id, url: line.url, last_analysis_date: line.date, fetched_at: now, body_gzip: line.answerGzip })),
    )
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          url: eb.ref('excluded.url'),
          last_analysis_date: eb.ref('excluded.last_analysis_date'),
          fetched_at: eb.ref('excluded.fetched_at'),
          body_gzip: eb.ref('excluded.body_gzip'),
        }))
        .where((eb) => eb.or([eb('feed_urls.last_analysis_date', 'is', null), eb('feed_urls.last_analysis_date', '<', eb.ref('excluded.last_analysis_date'))])),
    )
    .execute();
}

function urlOf(line: FeedLine): string | null {
  return typeof line.answer.data['attributes'] === 'object' ? String((line.answer.data['attributes'] as Record<string, unknown>)['url'] ?? '') || null : null;
}

function urlDate(line: FeedLine): string | null {
  const seconds = (line.answer.data['attributes'] as Record<string, unknown>)['last_analysis_date'];
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null;
}
