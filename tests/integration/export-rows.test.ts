/**
 * The CSV and JSON exports read rows as arrays (export-rows.repository.ts: raw SQLite statements,
 * PostgreSQL cursors in array mode) and write each field by its position. Read back from the
 * database, a fixed report of every kind of row gives the same bytes as the same rows written from
 * memory (which tests/unit/export-bytes.test.ts holds to the files the exports wrote before they were
 * made faster), and any report gives the same rows, in the same order, as reading them as objects:
 * every column type, nulls and non-ASCII text, filters, several batches.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { appSuite } from '../helpers/app-suite.js';
import { hex, signedIn } from '../helpers/factories.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { userIdOf } from '../helpers/page.js';
import { asRows, fixtureReport, fixtureRows } from '../helpers/export-fixture.js';
import { iterateExportRows } from '../../src/reports/export-rows.repository.js';
import { iterateItems } from '../../src/reports/report.repository.js';
import { streamCsv, streamCsvRows } from '../../src/reports/files/csv.js';
import { streamJson, streamJsonRows } from '../../src/reports/files/json.js';
import { exportRowOf } from '../../src/reports/files/export-row.js';
import type { ItemFilter } from '../../src/reports/report.schemas.js';
import type { ReportItemRow } from '../../src/reports/report.table.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/exports/${name}`, import.meta.url));
const EVERY_ROW: ItemFilter = { verdict: [], q: '' };

async function written(write: (out: Writable) => Promise<void>): Promise<Buffer> {
  const parts: Buffer[] = [];
  await write(new Writable({ write: (chunk: Buffer | string, _encoding, cb) => (parts.push(Buffer.from(chunk)), cb()) }));
  return Buffer.concat(parts);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('exports read rows as arrays', () => {
  const app = appSuite();
  let small: string;
  let big: string;

  /** A report of `rows`, written straight into the tables (with the owner's id) as an import leaves them. */
  async function reportOf(userId: number, rows: ReportItemRow[]): Promise<string> {
    const id = `export-rows-${hex(8)}`;
    await app.db.insertRows('reports', ['id', 'user_id', 'name', 'state', 'created_at'], [[id, userId, 'Fixture', 'completed', Date.now()]]);
    const columns = Object.keys(rows[0]!).filter((c) => c !== 'id' && c !== 'answer_id');
    await app.db.insertRows('report_items', columns, rows.map((row) => columns.map((c) => (c === 'report_id' ? id : (row[c as keyof ReportItemRow] as string | number | null)))));
    return id;
  }

  /** The fixture's rows, each hash once in its report (the table allows no repeat; the fixture's short hashes repeat). */
  const stored = (n: number) => {
    const seen = new Set<string>();
    return fixtureRows(n).map((row) => {
      const hash = row.hash !== null && seen.has(row.hash) ? `${row.hash}${row.line}` : row.hash;
      if (hash !== null) seen.add(hash);
      return { ...row, hash };
    });
  };

  before(async () => {
    const email = uniqueEmail('exporter');
    await signedIn(app, email);
    const userId = await userIdOf(app, email);
    small = await reportOf(userId, stored(80));
    // More rows than one batch of either reader.
    big = await reportOf(userId, stored(5300));
  });

  test('when the fixed report is read back from the database and exported, then the CSV and the JSON are byte for byte those written from its rows in memory', async () => {
    // Act
    const db = app.runtime.database.db;
    const csv = await written((out) => streamCsvRows(out, iterateExportRows(db, small, EVERY_ROW), undefined, 'Simulated, "demo" results'));
    const json = await written((out) => streamJsonRows(out, fixtureReport, iterateExportRows(db, small, EVERY_ROW), { verdict: ['malicious'], q: 'x' }, undefined, null));

    // Assert
    const fromMemory = {
      csv: await written((out) => streamCsv(out, asRows(stored(80)), undefined, 'Simulated, "demo" results')),
      json: await written((out) => streamJson(out, fixtureReport, asRows(stored(80)), { verdict: ['malicious'], q: 'x' }, undefined, null)),
    };
    assert.ok(csv.equals(fromMemory.csv), `the CSV differs:\n${csv.toString().slice(0, 600)}\n---\n${fromMemory.csv.toString().slice(0, 600)}`);
    assert.ok(json.equals(fromMemory.json), `the JSON differs:\n${json.toString().slice(0, 600)}\n---\n${fromMemory.json.toString().slice(0, 600)}`);
    // The same rows as the fixture files but for the few hashes made unique here.
    assert.equal(csv.toString().split('\r\n').length, fixture('fixture.csv').toString().split('\r\n').length);
  });

  for (const filter of [EVERY_ROW, { verdict: ['malicious', 'invalid'], q: '' }, { verdict: [], q: 'evil1' }] as ItemFilter[]) {
    test(`when a report of several batches is read as arrays${filter.verdict.length || filter.q ? ` with a filter (${JSON.stringify(filter)})` : ''}, then it gives the rows read as objects, value for value and in order`, async () => {
      // Act
      const db = app.runtime.database.db;
      const arrays = (await collect(iterateExportRows(db, big, filter))).flat();
      const objects = (await collect(iterateItems(db, big, filter))).map(exportRowOf);

      // Assert
      assert.ok(objects.length > (filter === EVERY_ROW ? 5000 : 0), `${objects.length} rows`);
      assert.deepEqual(arrays, objects);
    });
  }

  test('when the whole report and a filtered part are downloaded, then each file is the one written from the rows read as objects', async () => {
    // Arrange: the report's owner downloads it.
    const email = uniqueEmail('downloader');
    const client = await signedIn(app, email);
    const userId = await userIdOf(app, email);
    const id = await reportOf(userId, stored(2500));
    const db = app.runtime.database.db;

    for (const [query, filter] of [['', EVERY_ROW], ['?verdict=clean&verdict=error', { verdict: ['clean', 'error'], q: '' }]] as const) {
      // Act
      const response = await client.request(`/reports/${id}/export.csv${query}`);
      const body = Buffer.from(await response.arrayBuffer());

      // Assert
      assert.equal(response.status, 200);
      const expected = await written((out) => streamCsv(out, iterateItems(db, id, filter as ItemFilter)));
      assert.ok(body.equals(expected), `export.csv${query} differs from the file written from object rows`);
    }
  });
});
