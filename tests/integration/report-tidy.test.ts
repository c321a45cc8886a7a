/**
 * After a big import PostgreSQL must know the report's rows at once: report-tidy.ts analyses and
 * vacuums report_items, so the planner's estimate of a report's rows is the truth (not the "about
 * one row" an ANALYZE taken mid-import leaves, which made the first pages walk the whole report),
 * then vacuums it (the visibility map: docs/figures.md, measured there, not asserted here).
 * PostgreSQL only (tests/postgres-only.ts): statistics and the visibility map are PostgreSQL's.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';
import { TIDY_AFTER_ROWS, tidyAfterImport } from '../../src/reports/report-tidy.js';

const ROWS = 30_000;

describe('PostgreSQL after a big import', () => {
  const app = appSuite();
  let reportId: string;

  before(async () => {
    const client = await signedIn(app);
    reportId = await uploadHashes(client, [hex(16)], 'Tidy');
    await waitForCompletion(client, reportId);
    const added = Array.from({ length: ROWS }, (_, i) => [reportId, 10 + i, `row ${i}`, hex(32), 'sha256', 'found', 'clean'] as const);
    await app.db.insertRows('report_items', ['report_id', 'line', 'input', 'hash', 'hash_type', 'status', 'verdict'], added);
  });

  const estimate = async (id = reportId) => {
    const [row] = await app.db.rows<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`EXPLAIN (FORMAT JSON) SELECT * FROM report_items WHERE report_id = $1`, id);
    return row!['QUERY PLAN'][0]!.Plan['Plan Rows'];
  };

  test('when the tidy after an import has run, then the planner counts the report in thousands', async () => {
    // Act
    await tidyAfterImport(app.runtime.database.db);

    // Assert
    assert.ok((await estimate()) > ROWS / 2, `estimate ${await estimate()}`);
  });

  test('when a big list is uploaded, then by the redirect the planner already counts its rows', async () => {
    // Arrange
    const client = await signedIn(app);
    const lines = Array.from({ length: TIDY_AFTER_ROWS }, () => hex(32));

    // Act: the redirect is the analyst's first page
    const id = await uploadHashes(client, lines, 'Big upload');

    // Assert
    const rows = await estimate(id);
    assert.ok(rows > TIDY_AFTER_ROWS / 2, `the planner expects ${rows} rows of the new report`);
  });
});
