/**
 * A report's search is a union of index ranges on both databases: the page of matches and their
 * capped count are planned as searches of indexes (the value's, the SHA-256's, the prefix indexes of
 * the MD5, SHA-1, input and name), never a scan of the report's rows. PostgreSQL plans a tiny table
 * as a sequential scan whatever its indexes, so there sequential scans are priced out: what remains
 * shows what the indexes can do.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledQuery } from 'kysely';
import { pgPlanOf, type PgPlan } from '../helpers/pg-plan.js';
import { waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';
import { onConnection, type QueryRunner } from '../../src/shared/read-pool.js';
import { countItemsUpTo, listItems } from '../../src/reports/report.repository.js';
import { ITEM_SORTS, type ItemFilter } from '../../src/reports/report.schemas.js';

const pgScans = (plan: PgPlan): PgPlan[] => [...(plan['Relation Name'] === 'report_items' ? [plan] : []), ...(plan.Plans ?? []).flatMap(pgScans)];

describe('report search query plans', () => {
  const app = appSuite();
  let reportId: string;

  before(async () => {
    const client = await signedIn(app);
    reportId = await uploadHashes(client, [hex(16)], 'Search plans');
    await waitForCompletion(client, reportId);
    const added = Array.from({ length: 300 }, (_, i) => {
      const sha256 = hex(32);
      return [reportId, 10 + i, i % 2 ? sha256.toUpperCase() : sha256, sha256, 'sha256', 'found', ['malicious', 'clean'][i % 2]!, sha256, hex(20), hex(16), `file_${i}.exe`] as const;
    });
    await app.db.insertRows('report_items', ['report_id', 'line', 'input', 'hash', 'hash_type', 'status', 'verdict', 'sha256', 'sha1', 'md5', 'meaningful_name'], added);
    await app.db.run(app.db.dialect === 'postgres' ? 'ANALYZE report_items' : 'ANALYZE');
  });

  const filters: ItemFilter[] = [
    { q: 'ab12', verdict: [] },
    { q: 'FILE_1', verdict: ['malicious'] },
    { q: 'hxxp://tawuhoju[.]com/x', verdict: [] },
  ];

  for (const filter of filters) {
    test(`when the search "${filter.q}"${filter.verdict.length ? ' of malicious rows' : ''} is planned, then every read of report rows is an index search`, async () => {
      // Arrange
      const db = app.runtime.database.db;
      const queries: CompiledQuery[] = [];
      const recording: QueryRunner = { all: (query) => (queries.push(query), onConnection(db).all(query)) };
      for (const sort of ITEM_SORTS) await listItems(db, reportId, filter, sort, 101, 0, recording, 1000);
      await countItemsUpTo(db, reportId, filter, 1001, recording);
      assert.equal(queries.length, ITEM_SORTS.length + 1);

      for (const query of queries) {
        if (app.db.dialect === 'sqlite') {
          // Act
          const plan = (await app.db.rows<{ detail: string }>(`EXPLAIN QUERY PLAN ${query.sql}`, ...(query.parameters as string[]))).map((r) => r.detail);

          // Assert
          const text = `${query.sql}\n${plan.join('\n')}`;
          assert.ok(!plan.some((d) => /SCAN report_items/.test(d)), text);
          // Rows are read by the ids the ranges found, never by walking the report in an order of its own.
          for (const d of plan.filter((line) => /SEARCH report_items/.test(line))) {
            assert.match(d, /USING (COVERING )?INDEX report_items_(report_hash|report_sha256|sha1_prefix|md5_prefix|input_prefix|name_prefix) |USING INTEGER PRIMARY KEY/, text);
          }
          for (const index of ['report_items_report_hash', 'report_items_report_sha256', 'report_items_sha1_prefix', 'report_items_md5_prefix']) {
            assert.ok(plan.some((d) => new RegExp(`SEARCH report_items USING (COVERING )?INDEX ${index} \\(report_id=\\? AND \\w+[>=]`).test(d)), `${index}\n${text}`);
          }
          if (!filter.q.includes('[')) {
            for (const index of ['report_items_input_prefix', 'report_items_name_prefix']) {
              assert.ok(plan.some((d) => new RegExp(`SEARCH report_items USING INDEX ${index} \\(report_id=\\? AND <expr>>`).test(d)), `${index}\n${text}`);
            }
          }
        } else {
          // Act
          const plan = await pgPlanOf(db, query, ['seqscan']);

          // Assert
          const text = `${query.sql}\n${JSON.stringify(plan, null, 1)}`;
          const scans = pgScans(plan);
          assert.ok(scans.length > 0, text);
          for (const scan of scans) assert.match(scan['Node Type'], /^(Index (Only )?Scan|Bitmap Heap Scan)$/, text);
          const indexes = JSON.stringify(plan);
          for (const index of ['report_items_md5_prefix', 'report_items_sha1_prefix', 'report_items_input_prefix', 'report_items_name_prefix']) {
            assert.ok(indexes.includes(index), `${index}\n${text}`);
          }
        }
      }
    });
  }
});
