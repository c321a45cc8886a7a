/**
 * Every page of a report is a range of an index, on both databases: the queries the report page
 * runs (a page read after a row, back before it, from the start, and the walk of index entries that
 * finds where page N starts) are planned as index searches, each in the index's own order, never a
 * scan of report rows or a sort of them. PostgreSQL plans a tiny table as a sequential scan whatever
 * its indexes, so there the plan is asked for with sequential scans and sorts priced out: what
 * remains shows what the indexes can do.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledQuery } from 'kysely';
import { pgPlanOf, type PgPlan } from '../helpers/pg-plan.js';
import { waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';
import { onConnection, type QueryRunner } from '../../src/shared/read-pool.js';
import { positionAt, positionOf, readPage, type PageRequest } from '../../src/reports/report-page.repository.js';
import { findItemByLine } from '../../src/reports/report.repository.js';
import { ITEM_SORTS } from '../../src/reports/report.schemas.js';
import type { Verdict } from '../../src/reports/report.table.js';

/** Scans of report_items in a PostgreSQL plan, each with the nearest Limit or Sort above it. */
function pgScans(plan: PgPlan, above: string | null = null): Array<{ node: PgPlan; above: string | null }> {
  const here = plan['Node Type'] === 'Limit' || plan['Node Type'] === 'Sort' ? plan['Node Type'] : above;
  const own = plan['Relation Name'] === 'report_items' ? [{ node: plan, above: here }] : [];
  return [...own, ...(plan.Plans ?? []).flatMap((p) => pgScans(p, here))];
}

describe('report page query plans', () => {
  const app = appSuite();
  let reportId: string;

  before(async () => {
    const client = await signedIn(app);
    reportId = await uploadHashes(client, [hex(16)], 'Plans');
    await waitForCompletion(client, reportId);
    const added = Array.from({ length: 200 }, (_, i) => [reportId, 10 + i, `row ${i}`, hex(16), 'md5', 'found', ['malicious', 'clean', 'suspicious'][i % 3]!, i % 4, i % 3, `2024-01-0${1 + (i % 5)}`] as const);
    await app.db.insertRows('report_items', ['report_id', 'line', 'input', 'hash', 'hash_type', 'status', 'verdict', 'malicious', 'suspicious', 'last_analysis_date'], added);
    await app.db.run(app.db.dialect === 'postgres' ? 'ANALYZE report_items' : 'ANALYZE');
  });

  /** The queries the page runs for `request` from the row at line 100 (forward and back), from the start, and to find page 3 (by a walk, and from landmarks 7 rows apart). */
  async function pageQueries(request: PageRequest): Promise<CompiledQuery[]> {
    const db = app.runtime.database.db;
    const queries: CompiledQuery[] = [];
    const recording: QueryRunner = { all: (query) => (queries.push(query), onConnection(db).all(query)) };
    const row = await findItemByLine(db, reportId, 100);
    assert.ok(row);
    await readPage(db, recording, request, positionOf(row, request.sort));
    await readPage(db, recording, request, positionOf(row, request.sort), { backward: true });
    await readPage(db, recording, request, null);
    await positionAt(db, recording, request, 60, { malicious: 67, clean: 67, suspicious: 66, not_found: 1 });
    await positionAt(db, recording, request, 60, { malicious: 67, clean: 67, suspicious: 66, not_found: 1 }, { every: 7, walkUpTo: 0 });
    return queries;
  }

  for (const sort of ITEM_SORTS) {
    for (const verdicts of [[], ['malicious'], ['clean', 'suspicious']] as Verdict[][]) {
      test(`when a page sorted by ${sort}${verdicts.length ? ` of ${verdicts.join(' and ')} rows` : ''} is planned, then it reads index ranges only`, async () => {
        // Arrange
        const queries = await pageQueries({ reportId, verdicts, sort, limit: 51 });
        const db = app.runtime.database.db;

        for (const query of queries) {
          if (app.db.dialect === 'sqlite') {
            // Act
            const plan = (await app.db.rows<{ detail: string }>(`EXPLAIN QUERY PLAN ${query.sql}`, ...(query.parameters as string[]))).map((r) => r.detail);

            // Assert
            const text = `${query.sql}\n${plan.join('\n')}`;
            assert.ok(plan.some((d) => /SEARCH report_items USING (COVERING )?INDEX \w+ \(report_id=\?/.test(d)), text);
            assert.ok(!plan.some((d) => /SCAN report_items/.test(d)), text);
            // Only the merge of a page's few ranges (a subquery's rows) may be sorted, never report rows.
            const sorts = plan.filter((d) => /TEMP B-TREE/.test(d)).length;
            assert.ok(sorts <= (query.sql.includes('union all') ? 1 : 0), text);
          } else {
            // Act
            const plan = await pgPlanOf(db, query, ['seqscan', 'sort']);

            // Assert
            const text = `${query.sql}\n${JSON.stringify(plan, null, 1)}`;
            const scans = pgScans(plan);
            assert.ok(scans.length > 0, text);
            for (const scan of scans) {
              assert.match(scan.node['Node Type'], /^Index (Only )?Scan$/, text);
              // Rows of the report are read in the index's order up to a limit; a Sort may only merge limited ranges.
              assert.equal(scan.above, 'Limit', text);
            }
          }
        }
      });
    }
  }
});
