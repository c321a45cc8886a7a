/**
 * The limits that keep one analyst's uploads from costing everyone else: MAX_REPORT_ROWS (a longer
 * list is refused whole, on the form, the API and the connector, nothing stored) and
 * UPLOADS_PER_MINUTE (one count per user for the form and the API; the next gets 429 with Retry-After).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { appSuite } from '../helpers/app-suite.js';
import { hex, signedIn } from '../helpers/factories.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { apiCall, createApiToken } from '../helpers/api-client.js';
import { runConnectorPass } from '../../src/connector/connector-pass.js';

const alertOf = (html: string) => /<div class="alert" role="alert">([^<]*)<\/div>/.exec(html)?.[1] ?? '';
const lines = (n: number) => Array.from({ length: n }, () => hex(16)).join('\n');

describe('MAX_REPORT_ROWS', () => {
  const app = appSuite({ env: { MAX_REPORT_ROWS: '5' } });
  const reportCount = async () => (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM reports'))?.n;
  const rowCount = async () => (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM report_items'))?.n;

  test('when a list on the form has more lines than the limit, then the form comes back with 422 naming the limit and the count, and nothing is stored', async () => {
    const client = await signedIn(app);
    const before = [await reportCount(), await rowCount()];

    const response = await client.upload({ file: { name: 'long.txt', content: `${lines(7)}\n\n  \n` } });

    assert.equal(response.status, 422);
    assert.ok(response.html.includes('action="/reports"'), 'the upload form is shown again');
    assert.match(alertOf(response.html), /The list has 7 lines; a report holds at most 5\./);
    assert.deepEqual([await reportCount(), await rowCount()], before);
  });

  test('when a list has exactly the limit (blank lines not counted), then it is accepted', async () => {
    const client = await signedIn(app);
    const response = await client.upload({ hashes: `${lines(5)}\n\n\n` });
    assert.equal(response.status, 303, alertOf(response.html));
  });

  test('when the API is sent more lines than the limit, as text or JSON, then 413 too_large names the limit and the count, and nothing is stored', async () => {
    const token = await createApiToken(await signedIn(app));
    const before = [await reportCount(), await rowCount()];
    const post = (type: string, body: string) => apiCall(app.url, token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': type }, body });

    const text = await post('text/plain', lines(6));
    const json = await post('application/json', JSON.stringify({ values: lines(8).split('\n') }));

    for (const [answer, count] of [[text, 6], [json, 8]] as const) {
      assert.equal(answer.status, 413);
      const body = (await answer.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'too_large');
      assert.match(body.error.message, new RegExp(`The list has ${count} lines; a report holds at most 5\\.`));
    }
    assert.deepEqual([await reportCount(), await rowCount()], before);
  });

  test('when the connector finds a file with more lines than the limit, then it makes no report and its error note names the limit', async () => {
    const owner = uniqueEmail('limit-owner');
    await signedIn(app, owner);
    const root = mkdtempSync(join(tmpdir(), 'hash-report-limit-'));
    try {
      const connector = {
        name: `limit-${hex(3)}`, folder: join(root, 'in'), outputFolder: join(root, 'out'), ownerEmail: owner,
        intervalMs: 60_000, emailOnCompletion: false, settleMs: 20,
      };
      mkdirSync(connector.folder);
      mkdirSync(connector.outputFolder);
      writeFileSync(join(connector.folder, 'long.txt'), lines(9));
      const before = [await reportCount(), await rowCount()];

      const pass = await runConnectorPass(
        { db: app.runtime.database.db, cacheTtlMs: 3_600_000, maxFileBytes: 1 << 20, maxReportRows: 5, mailEnabled: false, appUrl: app.url, logger: pino({ level: 'silent' }) },
        connector,
      );

      assert.equal(pass.errors, 1);
      assert.deepEqual([await reportCount(), await rowCount()], before);
      const note = JSON.parse(readFileSync(join(connector.outputFolder, 'long.txt.error.json'), 'utf8')) as { message: string };
      assert.match(note.message, /The list has 9 lines; a report holds at most 5\./);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('UPLOADS_PER_MINUTE', () => {
  const app = appSuite({ env: { UPLOADS_PER_MINUTE: '3', API_REQUESTS_PER_MINUTE: '1000' } });

  test('when a user starts more uploads in a minute than the limit, form and API together, then the next gets 429 with Retry-After (the form shown again, the API in JSON), and another user is not affected', async () => {
    const client = await signedIn(app);
    const token = await createApiToken(client);
    const other = await signedIn(app);

    const first = await client.upload({ hashes: lines(2) });
    // Refused for its content, it still counts: the work of reading it was done.
    const empty = await client.upload({ file: { name: 'empty.txt', content: '' } });
    const third = await apiCall(app.url, token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: lines(2) });
    const refusedForm = await client.upload({ hashes: lines(2) });
    const refusedApi = await apiCall(app.url, token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: lines(2) });
    const otherUser = await other.upload({ hashes: lines(2) });

    assert.deepEqual([first.status, empty.status, third.status], [303, 422, 201]);
    assert.equal(refusedForm.status, 429);
    assert.ok(Number(refusedForm.headers.get('retry-after')) >= 1);
    assert.ok(refusedForm.html.includes('action="/reports"'), 'the upload form is shown again');
    assert.match(alertOf(refusedForm.html), /Too many uploads: at most 3 a minute\. Try again in \d+ seconds?\./);
    assert.equal(refusedApi.status, 429);
    assert.ok(Number(refusedApi.headers.get('retry-after')) >= 1);
    const body = (await refusedApi.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'rate_limited');
    assert.match(body.error.message, /Too many uploads/);
    assert.equal(otherUser.status, 303);
  });
});
