import { isIP } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Executor } from '../shared/database.js';
import type { FeedType } from './feed.table.js';

// `npm run feeds -- export`: the stored objects of a feed's type, one per id (the newest: that is all
// the cache keeps), as the feed gives them (bare, one JSON object per line), for a warehouse to load.

const PAGE = 500;

const IS_TYPE: Record<Exclude<FeedType, 'urls'>, (key: string) => boolean> = {
  files: (key) => /^[0-9a-f]{64}$/.test(key),
  ip_addresses: (key) => isIP(key) !== 0,
  domains: (key) => !/^[0-9a-f]{64}$/.test(key) && isIP(key) === 0,
};

/** NDJSON lines of every object of `type` last analysed at or after `since` (ISO-8601), a page at a time. */
export async function* exportFeedObjects(db: Executor, type: FeedType, since: Date): AsyncGenerator<string> {
  const from = since.toISOString();
  let after = '';
  for (;;) {
    const page = type === 'urls' ? await urlPage(db, from, after) : await entryPage(db, from, after);
    for (const row of page) {
      if (type !== 'urls' && !IS_TYPE[type](row.key)) continue;
      const body = JSON.parse(gunzipSync(row.body).toString('utf8')) as { data?: unknown };
      yield JSON.stringify(body.data ?? body);
    }
    if (page.length < PAGE) return;
    after = page.at(-1)!.key;
  }
}

async function entryPage(db: Executor, from: string, after: string) {
  return db
    .selectFrom('cache_entries as e')
    .innerJoin('vt_answers as v', 'v.id', 'e.answer_id')
    .select(['e.key as key', 'v.body_gzip as body'])
    .where('e.last_analysis_date', '>=', from)
    .where('e.key', '>', after)
    .orderBy('e.key')
    .limit(PAGE)
    .execute();
}

async function urlPage(db: Executor, from: string, after: string) {
  return db
    .selectFrom('feed_urls')
    .select(['id as key', 'body_gzip as body'])
    .where('last_analysis_date', '>=', from)
    .where('id', '>', after)
    .orderBy('id')
    .limit(PAGE)
    .execute();
}
