/**
 * /api/v1/reports over real HTTP: reports made like uploads (JSON or text), listed and read page by
 * page, scoped to the token's user; every bad request a JSON error with its status.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { hex, newFile, signedIn, sleep, uploadHashes } from '../helpers/factories.js';
import { apiCall, createApiToken } from '../helpers/api-client.js';

interface ReportBody {
  id: string;
  name: string;
  kind: string;
  status: string;
  counts: Record<string, number>;
  progress: number;
  links: { self: string; web: string };
}

interface ReportWithItems extends ReportBody {
  items: Array<Record<string, unknown> & { line: number; input: string; value: string | null; verdict: string; status: string }>;
  pagination: { page: number; perPage: number; total: number; pages: number };
}

interface ReportList {
  reports: ReportBody[];
  pagination: { page: number; perPage: number; total: number; pages: number };
}

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
}

const app = appSuite({ env: { API_REQUESTS_PER_MINUTE: '100000' } });

const tokenFor = (client: HttpClient) => createApiToken(client, 'Reports');

const api = (token: string | null, path: string, init: RequestInit = {}) => apiCall(app.url, token, path, init);

const postJson = (token: string, path: string, body: unknown) =>
  api(token, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function errorOf(response: Response): Promise<[number, string]> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `${response.status} is JSON`);
  return [response.status, ((await response.json()) as ErrorBody).error.code];
}

async function completed(token: string, id: string, query = ''): Promise<ReportWithItems> {
  return waitFor(async () => {
    const body = (await (await api(token, `/api/v1/reports/${id}${query}`)).json()) as ReportWithItems;
    return body.status === 'completed' ? body : null;
  }, `report ${id} to complete`);
}

const countRows = async (table: string) => (await app.db.row<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? 0;

describe('POST /api/v1/reports', () => {
  test('when a JSON list of values is sent, then 201 with the report, whose rows follow the list, invalid values included, and the browser lists it', async () => {
    // Arrange
    const client = await signedIn(app);
    const token = await tokenFor(client);
    const file = newFile(app.sim, { malicious: 4 });
    const unknown = hex(20);

    // Act
    const created = await postJson(token, '/api/v1/reports', { name: 'Incident 4711', values: [file.md5, 'not a hash', unknown, file.md5] });
    const body = (await created.json()) as ReportBody;
    const done = await completed(token, body.id);
    const page = await client.get('/reports');

    // Assert
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), `/api/v1/reports/${body.id}`);
    assert.equal(body.name, 'Incident 4711');
    assert.equal(body.kind, 'list');
    assert.equal(body.links.self, `/api/v1/reports/${body.id}`);
    assert.ok(body.links.web.endsWith(`/reports/${body.id}`), body.links.web);
    assert.deepEqual(
      done.items.map((i) => [i.line, i.input, i.verdict]),
      [[1, file.md5, 'malicious'], [2, 'not a hash', 'invalid'], [3, unknown, 'not_found']],
      'a repeated value counts once',
    );
    assert.equal(done.items[0]?.sha256, file.sha256);
    assert.equal(done.items[0]?.malicious, 4);
    assert.deepEqual(done.counts, { total: 3, malicious: 1, suspicious: 0, clean: 0, notSuspicious: 0, notFound: 1, invalid: 1, error: 0, pending: 0 });
    assert.match(page.html, /Incident 4711/);
  });

  test('when the list is sent as text/plain with its name in the query, then it becomes a report like an upload', async () => {
    const token = await tokenFor(await signedIn(app));
    const file = newFile(app.sim);

    const created = await api(token, '/api/v1/reports?name=From%20a%20script', {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `\uFEFF${file.sha256}\r\n\r\n${file.sha1}  some-file.exe\n`,
    });
    const body = (await created.json()) as ReportBody;
    const done = await completed(token, body.id);

    assert.equal(created.status, 201);
    assert.equal(body.name, 'From a script');
    assert.deepEqual(done.items.map((i) => [i.line, i.value, i.verdict]), [[1, file.sha256, 'malicious'], [3, file.sha1, 'malicious']]);
  });

  test('when no name is given, then the report is named for the API and the time', async () => {
    const token = await tokenFor(await signedIn(app));

    const created = await postJson(token, '/api/v1/reports', { values: [hex(16)] });

    assert.equal(created.status, 201);
    assert.match(((await created.json()) as ReportBody).name, /^API upload, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  });

  test('when the body is not valid JSON, or of the wrong shape, then 400 with the field at fault, and no report is made', async () => {
    const token = await tokenFor(await signedIn(app));
    const before = await countRows('reports');
    const cases: Array<[string, unknown, string, string?]> = [
      ['broken JSON', '{"values": [', 'invalid_json'],
      ['a JSON string', '"abc"', 'invalid_json'],
      ['an array, not an object', [hex(16)], 'invalid_body'],
      ['no values', { name: 'x' }, 'invalid_body', 'values'],
      ['values not a list', { values: hex(16) }, 'invalid_body', 'values'],
      ['an empty list', { values: [] }, 'invalid_body', 'values'],
      ['a number among the values', { values: [hex(16), 42] }, 'invalid_body', 'values.1'],
      ['an empty value', { values: [''] }, 'invalid_body', 'values.0'],
      ['a line break inside a value', { values: [`${hex(16)}\n${hex(16)}`] }, 'invalid_body', 'values.0'],
      ['a name too long', { name: 'n'.repeat(201), values: [hex(16)] }, 'invalid_body', 'name'],
      ['notify not a boolean', { values: [hex(16)], notify: 'yes' }, 'invalid_body', 'notify'],
      ['an unknown field', { values: [hex(16)], colour: 'blue' }, 'invalid_body'],
      ['no lookup value at all', { values: ['nothing', 'here'] }, 'invalid_body'],
    ];

    for (const [label, body, code, path] of cases) {
      const response = await postJson(token, '/api/v1/reports', body);
      assert.equal(response.status, 400, label);
      const { error } = (await response.json()) as ErrorBody;
      assert.equal(error.code, code, label);
      if (path) assert.ok(error.details?.some((d) => d.path === path), `${label}: ${JSON.stringify(error)}`);
    }
    assert.equal(await countRows('reports'), before);
  });

  test('when a text body is binary, UTF-16 or empty, then 400 says why', async () => {
    const token = await tokenFor(await signedIn(app));
    const send = (bytes: Uint8Array) => api(token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: new Blob([new Uint8Array(bytes)]) });

    const answers = [await send(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1])), await send(Buffer.from(`\uFEFF${hex(16)}`, 'utf16le')), await send(new Uint8Array(0))];

    for (const answer of answers) assert.deepEqual(await errorOf(answer), [400, 'invalid_body']);
  });

  test('when the content type is neither JSON nor text, then 415', async () => {
    const token = await tokenFor(await signedIn(app));
    const form = new FormData();
    form.append('values', hex(16));

    const answers = [
      await api(token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `values=${hex(16)}` }),
      await api(token, '/api/v1/reports', { method: 'POST', body: form }),
      await api(token, '/api/v1/reports', { method: 'POST' }),
      await api(token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{"values":["a"]}' }),
      // UTF-7 and UTF-16 would be decoded by the body parser into other values than the bytes show.
      await api(token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-7' }, body: '{"values":["+AGE-"]}' }),
      await api(token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json; charset="UTF-16"' }, body: Buffer.from('{"values":["a"]}', 'utf16le') }),
      await api(token, '/api/v1/reports', { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-16le' }, body: Buffer.from(hex(16), 'utf16le') }),
    ];

    for (const answer of answers) assert.deepEqual(await errorOf(answer), [415, 'unsupported_media_type']);
  });

  test('when a JSON body holds more than 100,000 values, then 413 and no report is made', async () => {
    const token = await tokenFor(await signedIn(app));
    const before = await countRows('reports');

    const answer = await postJson(token, '/api/v1/reports', { values: Array.from({ length: 100_001 }, (_, i) => `v${i}`) });

    assert.deepEqual(await errorOf(answer), [413, 'too_large']);
    assert.equal(await countRows('reports'), before);
  });
});

describe('body size limits', () => {
  // About 10 KB, so a body over the limit is cheap to send.
  const small = appSuite({ env: { MAX_UPLOAD_MB: '0.01', API_REQUESTS_PER_MINUTE: '1000' } });

  test('when a JSON or text body is over the upload limit, then 413 JSON and no report is made', async () => {
    const client = small.client();
    assert.equal((await client.register(`limits-${hex(4)}@example.test`)).status, 303);
    const token = await tokenFor(client);
    const values = Array.from({ length: 400 }, () => hex(16));
    const send = (type: string, body: string) =>
      fetch(new URL('/api/v1/reports', small.url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });

    const json = await send('application/json', JSON.stringify({ values }));
    const text = await send('text/plain', values.join('\n'));
    const within = await send('text/plain', values.slice(0, 10).join('\n'));

    assert.deepEqual(await errorOf(json), [413, 'too_large']);
    assert.deepEqual(await errorOf(text), [413, 'too_large']);
    assert.equal(within.status, 201);
    assert.equal((await small.db.row<{ n: number }>('SELECT count(*) AS n FROM reports'))?.n, 1);
  });
});

describe('GET /api/v1/reports and /api/v1/reports/:id', () => {
  test('when a user has more reports than a page holds, then the list pages through them newest first', async () => {
    const token = await tokenFor(await signedIn(app));
    const ids: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      await sleep(3); // distinct creation times: the order is by time
      const created = await postJson(token, '/api/v1/reports', { name, values: [hex(16)] });
      ids.push(((await created.json()) as ReportBody).id);
    }

    const one = (await (await api(token, '/api/v1/reports?per_page=2')).json()) as ReportList;
    const two = (await (await api(token, '/api/v1/reports?per_page=2&page=2')).json()) as ReportList;
    const named = (await (await api(token, '/api/v1/reports?q=seco')).json()) as ReportList;

    assert.deepEqual(one.reports.map((r) => r.name), ['third', 'second']);
    assert.deepEqual(one.pagination, { page: 1, perPage: 2, total: 3, pages: 2 });
    assert.deepEqual(two.reports.map((r) => r.name), ['first']);
    assert.deepEqual(named.reports.map((r) => r.id), [ids[1]]);
  });

  test('when a report is read with per_page and verdict, then the page holds only those rows and says how many match', async () => {
    const token = await tokenFor(await signedIn(app));
    const bad = [newFile(app.sim), newFile(app.sim), newFile(app.sim)];
    const clean = newFile(app.sim, { malicious: 0 });
    const created = (await (await postJson(token, '/api/v1/reports', { values: [clean.md5, ...bad.map((f) => f.md5), 'junk'] })).json()) as ReportBody;
    await completed(token, created.id);

    const page = (await (await api(token, `/api/v1/reports/${created.id}?verdict=malicious&per_page=2&page=2`)).json()) as ReportWithItems;
    const two = (await (await api(token, `/api/v1/reports/${created.id}?verdict=clean&verdict=invalid`)).json()) as ReportWithItems;

    assert.deepEqual(page.items.map((i) => i.line), [4]);
    assert.deepEqual(page.pagination, { page: 2, perPage: 2, total: 3, pages: 2 });
    assert.deepEqual(page.counts.total, 5, 'the counts stay the whole report\'s');
    assert.deepEqual(two.items.map((i) => i.verdict), ['clean', 'invalid']);
  });

  test('when query parameters are out of range or unknown, then 400 invalid_query', async () => {
    const token = await tokenFor(await signedIn(app));
    const created = (await (await postJson(token, '/api/v1/reports', { values: [hex(16)] })).json()) as ReportBody;

    for (const path of ['/api/v1/reports?page=0', '/api/v1/reports?per_page=101', '/api/v1/reports?page=abc', '/api/v1/reports?status=done', '/api/v1/reports?sort=name', `/api/v1/reports/${created.id}?per_page=1001`, `/api/v1/reports/${created.id}?verdict=evil`]) {
      assert.deepEqual(await errorOf(await api(token, path)), [400, 'invalid_query'], path);
    }
  });

  test("when another user's token asks for a report, then 404 with none of it, and their list holds none of the first user's reports", async () => {
    // Arrange
    const owner = await signedIn(app);
    const ownerToken = await tokenFor(owner);
    const other = await tokenFor(await signedIn(app));
    const secretName = `Operation ${hex(6)}`;
    const fromBrowser = await uploadHashes(owner, [hex(32)], secretName);
    const fromApi = ((await (await postJson(ownerToken, '/api/v1/reports', { name: secretName, values: [hex(16)] })).json()) as ReportBody).id;
    await api(ownerToken, `/api/v1/lookup?value=${hex(32)}`); // the owner's "API lookups" report
    const lookups = (await ((await api(ownerToken, '/api/v1/reports')).json() as Promise<ReportList>)).reports.find((r) => r.kind === 'lookups');
    assert.ok(lookups, 'the owner has a lookups report');

    // Act
    const answers = await Promise.all([fromBrowser, fromApi, lookups.id].map((id) => api(other, `/api/v1/reports/${id}`)));
    const list = (await (await api(other, '/api/v1/reports')).json()) as ReportList;

    // Assert
    for (const answer of answers) {
      assert.equal(answer.status, 404);
      const text = await answer.text();
      assert.ok(!text.includes(secretName), 'the name leaked');
      assert.equal((JSON.parse(text) as ErrorBody).error.code, 'not_found');
    }
    assert.deepEqual(list.reports, []);
    assert.equal((await api(ownerToken, `/api/v1/reports/${fromBrowser}`)).status, 200, 'the owner reads it');
  });

  test('when a report id is malformed or unknown, then 404 JSON', async () => {
    const token = await tokenFor(await signedIn(app));

    for (const id of ['x', 'A'.repeat(22), '..%2F..%2Fsettings']) {
      assert.deepEqual(await errorOf(await api(token, `/api/v1/reports/${id}`)), [404, 'not_found'], id);
    }
  });
});

describe('anything else under /api', () => {
  test('when a path or method under /api is unknown, then 404 JSON (never the HTML page), with a token or without', async () => {
    const token = await tokenFor(await signedIn(app));
    const paths: Array<[string, string]> = [
      ['GET', '/api'],
      ['GET', '/api/'],
      ['GET', '/api/v2/lookup'],
      ['GET', '/api/v1/reports/abcdefghijklmnop/export.csv'],
      ['POST', '/api/v1/lookup'],
      ['DELETE', '/api/v1/reports'],
      ['GET', '/api/v1/settings'],
    ];

    for (const [method, path] of paths) {
      for (const withToken of [token, null]) {
        const answer = await api(withToken, path, { method });
        assert.deepEqual(await errorOf(answer), [404, 'not_found'], `${method} ${path}`);
      }
    }
  });
});
