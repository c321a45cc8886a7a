import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { streamCsv } from '../../src/reports/files/csv.js';
import { streamJson } from '../../src/reports/files/json.js';
import { asRows, fixtureReport, fixtureRows } from '../helpers/export-fixture.js';

// The files in tests/fixtures/exports/ were written by the exports as they were before issue 14 made
// them faster (one string a row); the faster ones must write the same bytes.

const fixture = (name: string) => readFileSync(new URL(`../fixtures/exports/${name}`, import.meta.url));

function collector(): { out: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, cb) {
      parts.push(Buffer.from(chunk));
      cb();
    },
  });
  return { out, bytes: () => Buffer.concat(parts) };
}

test('when a fixed report of every kind of row is exported as CSV, then the file is byte for byte the one the exports always wrote', async () => {
  const { out, bytes } = collector();
  await streamCsv(out, asRows(fixtureRows(80)), undefined, 'Simulated, "demo" results');
  assert.ok(bytes().equals(fixture('fixture.csv')), 'the CSV differs from tests/fixtures/exports/fixture.csv');
});

test('when the same report is exported as JSON with a filter, then the file is byte for byte the one the exports always wrote', async () => {
  const { out, bytes } = collector();
  await streamJson(out, fixtureReport, asRows(fixtureRows(80)), { verdict: ['malicious'], q: 'x' }, undefined, null);
  assert.ok(bytes().equals(fixture('fixture.json')), 'the JSON differs from tests/fixtures/exports/fixture.json');
});
