/**
 * Every input of the committed bad-input corpus (tests/fixtures/bad-input, see its README) sent to
 * POST /reports: a clear 4xx or an accepted report showing the hostile text escaped, never a 5xx,
 * nothing written outside the database, and the app still serving afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportIdFrom } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { signedIn } from '../helpers/factories.js';
import { multipartBody, postRaw, type Part } from '../helpers/multipart.js';
import {
  CORPUS_DIR, FORMULA_START, assertShownEscaped, corpusFiles, decodeEntities, expand, loadManifest, parseCsv, readCorpus,
  type Case, type Send,
} from '../helpers/bad-input.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { maxUploadMb, cases } = loadManifest();

// ------------------------------------------------------------------ sending a case

function buildRequest(send: Send, token: string): { body: Buffer; contentType?: string; headers?: Record<string, string> } {
  const withToken = (bytes: Buffer) => Buffer.from(bytes.toString('latin1').replaceAll('{{csrf}}', token), 'latin1');
  if ('upload' in send) {
    const filename = send.filename === undefined ? send.upload.replace(/\.gz$/, '') : expand(send.filename);
    return { body: multipartBody([{ name: '_csrf', content: token }, { name: 'file', filename, content: readCorpus(send.upload) }]) };
  }
  if ('parts' in send) {
    const parts: Part[] = send.parts.flatMap((p) => {
      const part: Part = { name: expand(p.name), content: expand(p.content).replaceAll('{{csrf}}', token), ...(p.filename === undefined ? {} : { filename: expand(p.filename) }) };
      return Array.from({ length: p.copies ?? 1 }, () => part);
    });
    const hasToken = parts.some((p) => p.name === '_csrf');
    return { body: multipartBody(hasToken ? parts : [{ name: '_csrf', content: token }, ...parts]) };
  }
  return { body: withToken(readCorpus(send.raw)), contentType: send.contentType, ...(send.tokenHeader ? { headers: { 'x-csrf-token': token } } : {}) };
}

async function sendCase(client: HttpClient, token: string, send: Send) {
  const { body, contentType, headers } = buildRequest(send, token);
  return postRaw(client, '/reports', body, contentType, headers);
}

/** The message a refused upload shows: the form's alert, or an error page's heading and text. */
function shownMessage(html: string): string {
  const alert = /<div class="alert" role="alert">([^<]*)<\/div>/.exec(html)?.[1];
  const page = /<h1>([^<]*)<\/h1>\s*<p>([^<]*)<\/p>/.exec(html);
  return decodeEntities(alert ?? (page ? `${page[1]}: ${page[2]}` : '')).trim();
}

// ------------------------------------------------------------------ what may change on disk

const SQLITE_FILE = /\.sqlite(-wal|-shm|-journal)?$/;
// tsx's cache of compiled sources, written whenever a worker thread of the lookup pool starts: the
// loader's, not the app's, and nothing of an upload is in it.
const NOT_THE_APPS = /^(node_modules|\.git|tsx-\d+)$/;

/** Every file below `root`, with its size and time where `withStat`. */
function listing(root: string, withStat: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (NOT_THE_APPS.test(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!SQLITE_FILE.test(entry.name)) {
        const stat = withStat ? statSync(path, { throwIfNoEntry: false }) : undefined;
        out.push(`${relative(root, path)}${stat ? ` ${stat.size} ${stat.mtimeMs}` : ''}`);
      }
    }
  };
  walk(root);
  return out.sort();
}

// ------------------------------------------------------------------ the corpus

describe('the bad-input corpus sent to POST /reports', () => {
  let client: HttpClient;
  let token: string;
  let privateTmp: string;
  const savedTmpdir = process.env.TMPDIR;
  const app = appSuite(() => {
    privateTmp = mkdtempSync(join(tmpdir(), 'bad-input-'));
    process.env.TMPDIR = privateTmp;
    return { env: { MAX_UPLOAD_MB: String(maxUploadMb) } };
  });
  const count = async (table: string) => (await app.db.row<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? -1;
  // The repo: names only, as others may edit files in it meanwhile. The temp dir is this file's own
  // (os.tmpdir() follows TMPDIR), and holds the app's database directory: there, sizes and times count too.
  const snapshot = () => ({ repo: listing(REPO_ROOT, false), tmp: listing(privateTmp, true) });

  before(async () => {
    client = await signedIn(app);
    await client.get('/reports/new');
    token = client.csrfToken();
  });
  after(async () => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    rmSync(privateTmp, { recursive: true, force: true });
  });

  for (const c of cases) {
    const accepted = c.expect.status === 303;
    test(`${c.id}: when ${c.what} is posted, then ${accepted ? 'a report is created and shown escaped' : `${c.expect.status} "${c.expect.message}"`}`, async () => {
      // Arrange
      const before = snapshot();
      const reports = await count('reports');
      const items = await count('report_items');

      // Act
      const response = await sendCase(client, token, c.send);

      // Assert: the answer
      assert.equal(response.status, c.expect.status, `${c.id}: ${shownMessage(response.html) || response.html.slice(0, 300)}`);
      if (accepted) {
        assert.equal(await count('reports'), reports + 1);
        await assertReportShownSafely(client, reportIdFrom(response), c);
      } else {
        assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
        assert.ok(shownMessage(response.html).includes(c.expect.message ?? '?'), `${c.id} says "${shownMessage(response.html)}"`);
        assert.ok(!/\n\s+at \S+ \(/.test(response.html), 'no stack trace');
        assert.deepEqual([await count('reports'), await count('report_items')], [reports, items], 'nothing was saved');
      }

      // Assert: nothing but the database written, and the app still serving
      assert.deepEqual(snapshot(), before, 'files appeared, disappeared or changed outside the database');
      assert.equal((await app.client().get('/')).status, 200);
    });
  }

  test('when the corpus folder is read, then every file is used by a case and described in the README', () => {
    const readme = readFileSync(join(CORPUS_DIR, 'README.md'), 'utf8');
    const used = new Set(cases.map((c) => ('upload' in c.send ? c.send.upload : 'raw' in c.send ? c.send.raw : '')));
    for (const file of corpusFiles()) {
      assert.ok(used.has(file), `${file} is used by no case in cases.json`);
      assert.ok(readme.includes(`\`${file}\``), `README.md does not describe ${file}`);
    }
    for (const c of cases) assert.ok(readme.includes(`\`${c.id}\``), `README.md does not list case ${c.id}`);
    assert.equal(new Set(cases.map((c) => c.id)).size, cases.length, 'case ids are unique');
  });
});

/**
 * The report as its owner reads it everywhere: the page, the list and both downloads show the name
 * and every row as text, never as markup, and no CSV cell starts a formula.
 */
async function assertReportShownSafely(client: HttpClient, id: string, c: Case): Promise<void> {
  const json = await client.request(`/reports/${id}/export.json`);
  assert.equal(json.status, 200);
  assertSafeAttachment(json, 'json');
  const report = (await json.json()) as { name: string; items: Array<{ line: number; input: string; status: string }> };
  const { expect } = c;
  if (expect.name !== undefined) assert.equal(report.name, expand(expect.name));
  if (expect.namePattern !== undefined) assert.match(report.name, new RegExp(expect.namePattern));
  for (const want of expect.items ?? []) {
    const row = report.items.find((i) => i.line === want.line);
    assert.ok(row, `no row for line ${want.line}`);
    if (want.input !== undefined) assert.equal(row.input, want.input, `line ${want.line}`);
    if (want.status !== undefined) assert.equal(row.status, want.status, `line ${want.line}`);
  }
  for (const item of report.items) assert.ok(item.input.length <= 201, `line ${item.line} is shown in full (${item.input.length} characters)`);

  const page = await client.get(`/reports/${id}`);
  assert.equal(page.status, 200);
  assertShownEscaped(page.html, report.name, 'the report page');
  for (const item of report.items.slice(0, 100)) assertShownEscaped(page.html, item.input, `the report page, line ${item.line}`);
  assertShownEscaped((await client.get('/reports')).html, report.name, 'the report list');

  const csvResponse = await client.request(`/reports/${id}/export.csv`);
  assertSafeAttachment(csvResponse, 'csv');
  const rows = parseCsv(await csvResponse.text());
  assert.equal(rows.length, report.items.length + 1);
  for (const cell of rows.flat()) assert.doesNotMatch(cell, FORMULA_START, `CSV cell ${JSON.stringify(cell)} would run as a formula`);
  for (const item of report.items) {
    if (FORMULA_START.test(item.input)) assert.ok(rows.some((r) => r[1] === `'${item.input}`), `line ${item.line} is kept, quoted, in the CSV`);
  }
}

/** A download, never rendered, under a file name of plain characters whatever the report's name. */
function assertSafeAttachment(response: Response, ext: string): void {
  assert.match(response.headers.get('content-disposition') ?? '', new RegExp(`^attachment; filename="?[\\w.-]+\\.${ext}"?$`));
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
}
