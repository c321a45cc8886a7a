/**
 * An upload too big for one write batch: the import writes it in several transactions, and the report
 * must read as if it were one, with every line where it was, each invalid line reported at its own
 * line number, and a value repeated in a later batch (in any case) kept at its first line only.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { exportJson, reportIdFrom } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { signedIn } from '../helpers/factories.js';

const LINES = 12_000;

/** Line i (1-based) of the list: blank, invalid, a repeat of an earlier line's value, or a value of its own. */
function lineText(i: number): string {
  if (i % 13 === 0) return '';
  if (i % 97 === 0) return `not a value, line ${i}`;
  // Repeats, upper-cased, of lines 1..60, thousands of lines (several batches) after them.
  if (i > 9000 && i <= 9060) return md5Of(i - 9000).toUpperCase();
  return `${md5Of(i)}  sample-${i}.bin`;
}

const md5Of = (i: number) => createHash('md5').update(`sample ${i}`).digest('hex');

describe('an upload written in several batches', () => {
  // No key: the rows stay pending, so what is checked is the import alone.
  const app = appSuite({ noKey: true });

  test('when a list of 12,000 lines with invalid, blank and repeated lines is uploaded, then every row, invalid line and first occurrence is exact', async () => {
    // Arrange
    const client = await signedIn(app);
    const text = Array.from({ length: LINES }, (_, k) => lineText(k + 1)).join('\n');
    const expected: Array<{ line: number; input: string; status: string }> = [];
    const seen = new Set<string>();
    for (let i = 1; i <= LINES; i++) {
      const line = lineText(i);
      if (line === '') continue;
      if (line.startsWith('not a value')) {
        expected.push({ line: i, input: line, status: 'invalid' });
        continue;
      }
      const value = line.split(' ')[0]!.toLowerCase();
      if (seen.has(value)) continue;
      seen.add(value);
      expected.push({ line: i, input: value, status: 'pending' });
    }

    // Act
    const upload = await client.upload({ file: { name: 'big.txt', content: text } });

    // Assert
    const report = await exportJson(client, reportIdFrom(upload));
    const rows = report.items.map((item) => ({ line: item.line, input: item.input, status: item.status }));
    assert.equal(rows.length, expected.length);
    assert.deepEqual(rows, expected);
    assert.equal(rows.filter((r) => r.status === 'invalid').length, 114, 'lines 97, 194, … that are not also blank');
  });
});
