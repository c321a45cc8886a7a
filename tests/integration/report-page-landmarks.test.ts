/**
 * A deep jump to page N starts from a landmark (the sort keys of every K-th row of the order, kept
 * per report revision) and walks fewer than K index entries from it. Made small here (K = 7, used
 * from the first row on), the landmarks must put every page where the order itself puts it, for
 * each order and filter, and once rows change, where the changed order puts it.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';
import { onConnection } from '../../src/shared/read-pool.js';
import { positionAt, type LandmarkOptions, type Position } from '../../src/reports/report-page.repository.js';
import type { ItemSort } from '../../src/reports/report.schemas.js';
import type { Verdict } from '../../src/reports/report.table.js';

interface Row {
  line: number;
  verdict: Verdict;
  malicious: number | null;
  suspicious: number | null;
  last_analysis_date: string | null;
}

const SEVERITY: Verdict[] = ['malicious', 'suspicious', 'error', 'not_found', 'pending', 'not_suspicious', 'clean', 'invalid'];
const VERDICTS: Verdict[] = ['malicious', 'clean', 'pending', 'not_found', 'suspicious'];
const SMALL: LandmarkOptions = { every: 7, walkUpTo: 0 };

/** Each order as the analyst expects it, and the position (sort keys) of a row in it. */
const byDetections = (a: Row, b: Row) => (b.malicious ?? -1) - (a.malicious ?? -1) || (b.suspicious ?? -1) - (a.suspicious ?? -1) || a.line - b.line;
const ORDERS: Record<Exclude<ItemSort, 'line'>, { compare: (a: Row, b: Row) => number; position: (r: Row) => Position }> = {
  detections: { compare: byDetections, position: (r) => ({ verdict: null, values: [r.malicious ?? -1, r.suspicious ?? -1, r.line] }) },
  verdict: {
    compare: (a, b) => SEVERITY.indexOf(a.verdict) - SEVERITY.indexOf(b.verdict) || byDetections(a, b),
    position: (r) => ({ verdict: r.verdict, values: [r.malicious ?? -1, r.suspicious ?? -1, r.line] }),
  },
  last_analysis: {
    compare: (a, b) => (b.last_analysis_date ?? '').localeCompare(a.last_analysis_date ?? '') || a.line - b.line,
    position: (r) => ({ verdict: null, values: [r.last_analysis_date ?? '', r.line] }),
  },
};

describe('deep jumps from landmarks', () => {
  const app = appSuite();
  let id: string;

  before(async () => {
    const client = await signedIn(app);
    id = await uploadHashes(client, [hex(16)], 'Landmarks');
    await waitForCompletion(client, id);
    // Set-up written straight into the table: 300 more rows, five verdicts, many ties in detections and dates.
    const added = Array.from({ length: 300 }, (_, i) => {
      const verdict = VERDICTS[i % VERDICTS.length]!;
      const answered = verdict !== 'pending' && verdict !== 'not_found';
      return [id, 10 + i * 2, `row ${i}`, hex(16), 'md5', verdict === 'pending' ? 'pending' : 'found', verdict, answered ? i % 4 : null, answered ? i % 3 : null, answered && i % 6 !== 0 ? `2024-0${1 + (i % 5)}-01` : null] as const;
    });
    await app.db.insertRows('report_items', ['report_id', 'line', 'input', 'hash', 'hash_type', 'status', 'verdict', 'malicious', 'suspicious', 'last_analysis_date'], added);
  });

  const rowsNow = () => app.db.rows<Row>('SELECT line, verdict, malicious, suspicious, last_analysis_date FROM report_items WHERE report_id = ?', id);

  /** For every offset (and one past the end): the position the landmarks give, and the one the order gives. */
  async function positions(sort: Exclude<ItemSort, 'line'>, verdicts: Verdict[]): Promise<{ got: Array<Position | null>; expected: Array<Position | null> }> {
    const rows = (await rowsNow()).map((r) => ({ ...r, line: Number(r.line), malicious: r.malicious === null ? null : Number(r.malicious), suspicious: r.suspicious === null ? null : Number(r.suspicious) }));
    const counts: Partial<Record<Verdict, number>> = {};
    for (const r of rows) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
    const ordered = rows.filter((r) => verdicts.length === 0 || verdicts.includes(r.verdict)).sort(ORDERS[sort].compare);
    const db = app.runtime.database.db;
    const request = { reportId: id, verdicts, sort, limit: 51 };
    const got: Array<Position | null> = [];
    for (let offset = 0; offset <= ordered.length; offset++) got.push(await positionAt(db, onConnection(db), request, offset, counts, SMALL));
    return { got, expected: [...ordered.map(ORDERS[sort].position), null] };
  }

  for (const sort of Object.keys(ORDERS) as Array<Exclude<ItemSort, 'line'>>) {
    for (const verdicts of [[], ['malicious'], ['clean', 'suspicious']] as Verdict[][]) {
      test(`when every page sorted by ${sort}${verdicts.length ? ` of ${verdicts.join(' and ')} rows` : ''} is jumped to from landmarks, then each starts at the row the order puts there`, async () => {
        // Act
        const { got, expected } = await positions(sort, verdicts);

        // Assert
        assert.deepEqual(got, expected);
      });
    }
  }

  test('when rows change after the landmarks were built, then a jump still lands where the changed order puts it', async () => {
    // Arrange: the landmarks are built, then pending rows are answered (their detections change with their verdict).
    await positions('detections', []);
    await app.db.run("UPDATE report_items SET verdict = 'malicious', status = 'found', malicious = 9, suspicious = 0 WHERE report_id = ? AND verdict = 'pending' AND line % 4 = 0", id);

    // Act
    const { got, expected } = await positions('detections', []);

    // Assert
    assert.deepEqual(got, expected);
  });
});
