import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reportIdFrom, type TestApp } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';
import type { HttpClient } from '../helpers/http-client.js';
import { reportEmail } from '../helpers/report-email.js';
import { ENTRY_COLUMNS, seedData } from '../../scripts/bench-seed.js';

// Heavy downloads stop when their client leaves, a user has at most DOWNLOADS_PER_USER in flight, and
// a PDF over PDF_MAX_ROWS is a page pointing to the CSV: one analyst can never slow or starve another.

const ROWS = 60_000;

/** A report of `rows` answered rows: the cache is seeded through a connection of the test's own, then the list is uploaded through the app. */
async function bigReport(app: TestApp, client: HttpClient, rows: number): Promise<string> {
  const { content, entries } = seedData(rows);
  await app.db.insertRows('cache_entries', ENTRY_COLUMNS, entries);
  await app.db.insertRows('cache_aliases', ['hash', 'entry_key'], entries.map((e) => [e[0], e[0]]));
  return reportIdFrom(await client.upload({ file: { name: 'big.txt', content }, name: 'Big sweep' }));
}

/** Starts a download, waits for its first bytes, then leaves as a closed browser tab does. */
async function leaveAfterFirstBytes(client: HttpClient, path: string): Promise<number> {
  const abort = new AbortController();
  const response = await client.request(path, { signal: abort.signal });
  const reader = response.body?.getReader();
  const first = await reader?.read();
  abort.abort();
  await reader?.cancel().catch(() => undefined);
  assert.ok((first?.value?.length ?? 0) > 0, 'some bytes arrived before leaving');
  return response.status;
}

/** Opens a download and reads nothing: a PDF of many rows stays in flight (drawing, then held by the full socket) until aborted. */
async function holdDownload(client: HttpClient, path: string): Promise<{ response: Response; leave(): void }> {
  const abort = new AbortController();
  // The response is kept: fetch cancels the body of one that is garbage-collected, as if the client left.
  const response = await client.request(path, { signal: abort.signal });
  return { response, leave: () => abort.abort() };
}

describe('a download whose client leaves', () => {
  const app = appSuite({ env: { PDF_MAX_ROWS: String(ROWS * 2) } });
  let client: HttpClient;
  let id: string;
  test(`arrange: a ${ROWS.toLocaleString('en')}-row report`, async () => {
    client = await signedIn(app);
    id = await bigReport(app, client, ROWS);
  });

  for (const kind of ['pdf', 'csv'] as const) {
    test(`when the ${kind.toUpperCase()} download is dropped after its first bytes, then the server stops reading and drawing rows`, async (t) => {
      // Act
      const status = await leaveAfterFirstBytes(client, `/reports/${id}/export.${kind}`);
      await app.runtime.downloads.whenIdle();

      // Assert
      assert.equal(status, 200);
      const record = app.runtime.downloads.recent.at(-1);
      assert.equal(record?.kind, kind);
      assert.equal(record?.outcome, 'client_left');
      assert.ok((record?.rows ?? ROWS) < ROWS / 4, `${record?.rows} of ${ROWS} rows read after the client left`);
      t.diagnostic(`${kind}: ${record?.rows} of ${ROWS} rows read before the download stopped`);
      assert.equal(await app.runtime.downloads.inFlight(record?.userId ?? 0), 0, 'its place is free again');
    });
  }

  test('when a user has two downloads in flight, then a third gets a 429 page, another user is unaffected, and a place frees once a client leaves', async () => {
    // Arrange
    const first = await holdDownload(client, `/reports/${id}/export.pdf`);
    const second = await holdDownload(client, `/reports/${id}/export.pdf?verdict=clean`);
    const other = await signedIn(app);
    const small = await uploadHashes(other, [hex(32), 'not a hash'], 'Small');

    // Act
    const third = await client.get(`/reports/${id}/hashes.txt?kind=sha256`);
    const others = await other.request(`/reports/${small}/export.csv`);
    const othersCsv = await others.text();
    first.leave();
    second.leave();
    await app.runtime.downloads.whenIdle();
    const afterwards = await client.request(`/reports/${id}/export.pdf?q=sample_1234`);
    await afterwards.arrayBuffer();

    // Assert
    assert.deepEqual([first.response.status, second.response.status], [200, 200]);
    assert.equal(third.status, 429);
    assert.match(third.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(third.headers.get('retry-after'), '30');
    assert.match(third.html, /already have 2 downloads in progress/);
    assert.equal(others.status, 200, 'another user\'s download is not counted against this one');
    assert.equal(othersCsv.trimEnd().split('\r\n').length, 3);
    assert.equal(afterwards.status, 200, 'the places freed when the clients left');
    assert.deepEqual(app.runtime.downloads.recent.slice(-3).map((r) => r.outcome).sort(), ['client_left', 'client_left', 'finished']);
  });
});

describe('a PDF of more rows than PDF_MAX_ROWS', () => {
  const app = appSuite({ mail: true, env: { PDF_MAX_ROWS: '3' } });

  test('when the PDF download would hold more rows than the cap, then a page points to the CSV, and a filtered PDF under the cap still downloads', async () => {
    // Arrange
    const client = await signedIn(app);
    const id = await uploadHashes(client, [hex(32), 'two', 'three', 'four', 'five'], 'Five lines');

    // Act
    const refused = await client.get(`/reports/${id}/export.pdf`);
    const filtered = await client.get(`/reports/${id}/export.pdf?q=t`);

    // Assert
    assert.equal(refused.status, 422);
    assert.match(refused.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(refused.headers.get('content-disposition'), null, 'a page, not a file');
    assert.match(refused.html, /A PDF holds at most 3 rows/);
    assert.ok(refused.html.includes(`href="/reports/${id}/export.csv"`), 'it links the CSV');
    assert.equal(filtered.status, 200, 'two rows match "t"');
    assert.equal(filtered.headers.get('content-type'), 'application/pdf');
  });

  test('when the user wants the PDF by email and the report is over the cap, then the email says so and links the report', async () => {
    // Act
    const { id, mail } = await reportEmail(app, 'pdf', 4, 'Four files');

    // Assert
    assert.equal(mail.attachments.length, 0);
    assert.ok((mail.text ?? '').includes(`The report has more than 3 rows, too many for a PDF file. Download the CSV from the report page:\nhttp://reports.example.test/reports/${id}\n`), mail.text);
  });

  test('when a cell holds ";" and then a formula, then the CSV keeps it in one quoted cell', async () => {
    // Arrange
    const client = await signedIn(app);
    const id = await uploadHashes(client, [hex(32), "x;=cmd|' /C calc'!A0"], 'Semicolons');

    // Act
    const csv = await (await client.request(`/reports/${id}/export.csv`)).text();

    // Assert
    const [, , line] = csv.split('\r\n');
    assert.ok(line?.startsWith(`2,"x;=cmd|' /C calc'!A0",,,"invalid",`), line);
  });
});
