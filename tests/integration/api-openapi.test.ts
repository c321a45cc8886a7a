/**
 * The OpenAPI document at /api/v1/openapi.json against the running app: every route of the API router
 * is in it and every path in it is a route, every $ref resolves, and the schemas name exactly the
 * fields real answers carry.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { signedIn } from '../helpers/factories.js';
import { listRoutes } from '../helpers/routes.js';
import { API_ERROR_CODES } from '../../src/api/api-errors.js';
import { openApiDocument, type JsonSchema, type OpenApiDocument } from '../../src/api/openapi.js';
import { createApiToken } from '../helpers/api-client.js';

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';

let doc: OpenApiDocument;
let token: string;

const app = appSuite({ env: { API_REQUESTS_PER_MINUTE: '100000' } }, async () => {
  const client = await signedIn(app);
  token = await createApiToken(client, 'OpenAPI');
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(new URL(path, app.url), { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });

/** The schema a `#/components/schemas/X` reference (or the schema itself) stands for. */
function resolve(schema: JsonSchema | undefined): JsonSchema {
  assert.ok(schema, 'a schema');
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const found = doc.components.schemas[name];
  assert.ok(found, `${schema.$ref} resolves`);
  return found;
}

/** The field names a schema lists, and those it requires, sorted. */
function fieldsOf(name: string): { properties: string[]; required: string[] } {
  const schema = resolve({ $ref: `#/components/schemas/${name}` });
  return { properties: Object.keys(schema.properties ?? {}).sort(), required: [...(schema.required ?? [])].sort() };
}

function assertDescribes(name: string, sample: object): void {
  const keys = Object.keys(sample).sort();
  const { properties, required } = fieldsOf(name);
  assert.deepEqual(properties, keys, `${name} lists every field of a real answer, and only those`);
  assert.deepEqual(required, keys, `${name} requires every field`);
}

describe('GET /api/v1/openapi.json', () => {
  test('when fetched without a token, then it is the OpenAPI 3.1 document, as JSON', async () => {
    const response = await fetch(new URL('/api/v1/openapi.json', app.url));

    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    doc = (await response.json()) as OpenApiDocument;
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc, JSON.parse(JSON.stringify(openApiDocument)), 'the served document is src/api/openapi.ts');
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { ...doc.components.securitySchemes.bearerAuth, type: 'http', scheme: 'bearer' });
    assert.deepEqual(doc.security, [{ bearerAuth: [] }]);
  });

  test('when the API router is listed, then every route is in the document and every path in the document is a route', () => {
    const routes = listRoutes(app.runtime.app)
      .filter((r) => r.path.startsWith('/api/'))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();

    assert.ok(routes.length >= 6, `the walk found the API routes: ${routes.join(', ')}`);
    assert.deepEqual(documented, routes);
  });

  test('when every operation is read, then each has a unique id, the errors it can answer, and references that resolve', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op && !ids.has(op.operationId), `${where}: operationId`);
        ids.add(op.operationId);
        const statuses = Object.keys(op.responses);
        const open = Array.isArray(op.security) && op.security.length === 0;
        if (!open) for (const status of ['401', '429', '500']) assert.ok(statuses.includes(status), `${where} lists ${status}`);
        if (op.requestBody) for (const status of ['400', '413', '415']) assert.ok(statuses.includes(status), `${where} lists ${status}`);
        for (const p of (op.parameters ?? []).filter((p) => 'name' in p && p.in === 'path')) assert.ok('name' in p && path.includes(`{${p.name}}`), `${where}: path parameter`);
      }
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    assert.ok(refs.length > 10);
    for (const ref of refs) {
      const target = (JSON.parse(`{${ref}}`) as { $ref: string }).$ref;
      const found = target.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      assert.ok(found, `${target} resolves`);
    }
    assert.deepEqual(resolve({ $ref: '#/components/schemas/Error' }).properties?.error?.properties?.code?.enum, [...API_ERROR_CODES]);
  });

  test('when real answers are compared with the schemas, then each schema names exactly their fields', async () => {
    // Arrange: a report, a queued lookup, an answered one, an error.
    const created = await api('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ values: [EICAR_MD5, 'junk'] }) });
    const report = (await created.json()) as { id: string };
    const queued = await (await api(`/api/v1/lookup?value=${'ab'.repeat(32)}`)).json();
    const answered = await waitFor(async () => {
      const r = await api(`/api/v1/lookup?value=${'ab'.repeat(32)}`);
      return r.status === 200 ? ((await r.json()) as object) : null;
    }, 'the lookup to answer');
    const withItems = await waitFor(async () => {
      const body = (await (await api(`/api/v1/reports/${report.id}`)).json()) as { status: string; items: object[] };
      return body.status === 'completed' ? body : null;
    }, 'the report to complete');
    const list = (await (await api('/api/v1/reports')).json()) as { reports: object[]; pagination: object };
    const error = (await (await api('/api/v1/lookup')).json()) as { error: object };

    // Assert
    assertDescribes('Report', report);
    assertDescribes('ReportWithItems', withItems);
    assertDescribes('ReportItem', withItems.items[0] ?? {});
    assertDescribes('ReportList', list);
    assertDescribes('Pagination', list.pagination);
    assertDescribes('Queued', queued as object);
    assertDescribes('LookupResult', answered);
    assert.deepEqual(Object.keys(error), ['error']);
    assert.deepEqual(Object.keys(error.error).filter((k) => k !== 'details'), ['code', 'message']);
  });
});
