/**
 * GET /api/v1/lookup and POST /api/v1/refresh over real HTTP: 202 then 200 once the scheduler has
 * asked the fake VirusTotal, the shared cache answering without a call, refresh forcing exactly one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { hex, newFile, signedIn } from '../helpers/factories.js';
import { apiCall, createApiToken } from '../helpers/api-client.js';

const EICAR = { md5: '44d88612fea8a8f36de82e1278abb02f', sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' };

interface LookupBody {
  status: string;
  value: string;
  type: string;
  verdict: string;
  malicious: number | null;
  engines: number | null;
  sha256: string | null;
  sha1: string | null;
  md5: string | null;
  reputation: number | null;
  categories: string[] | null;
  fortinet: string | null;
  virusTotalUrl: string | null;
  lookedUpAt: string;
  fromCache: boolean;
  error: string | null;
  report: string | null;
}

interface QueuedBody {
  status: 'queued';
  value: string;
  type: string;
  poll: string;
  report: string;
}

// Polling below is quick; the per-minute limit has its own suite.
const app = appSuite({ env: { API_REQUESTS_PER_MINUTE: '100000' } });

const tokenFor = (client: HttpClient) => createApiToken(client, 'Lookups');

async function newCaller(): Promise<string> {
  return tokenFor(await signedIn(app));
}

const api = (token: string, path: string, init: RequestInit = {}) => apiCall(app.url, token, path, init);

const lookupPath = (value: string, type?: string) => `/api/v1/lookup?${new URLSearchParams({ value, ...(type ? { type } : {}) })}`;

function refresh(token: string, body: unknown): Promise<Response> {
  return api(token, '/api/v1/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** GETs `path` until it answers 200 (bounded); every answer before must be 202. */
async function pollUntilAnswered(token: string, path: string, timeoutMs = 10_000): Promise<LookupBody> {
  return waitFor(async () => {
    const response = await api(token, path);
    if (response.status === 202) return null;
    assert.equal(response.status, 200, `polling ${path}: ${await response.clone().text()}`);
    return (await response.json()) as LookupBody;
  }, `${path} to answer 200`, timeoutMs);
}

describe('GET /api/v1/lookup', () => {
  test('when the cache has no answer, then 202 says where to poll, and polling answers 200 once the scheduler has asked VirusTotal', async () => {
    // Arrange
    const token = await newCaller();
    const file = newFile(app.sim, { malicious: 7 });

    // Act
    const first = await api(token, lookupPath(file.md5.toUpperCase()));
    const queued = (await first.json()) as QueuedBody;
    const answer = await pollUntilAnswered(token, queued.poll);

    // Assert
    assert.equal(first.status, 202);
    assert.deepEqual({ ...queued, report: undefined }, { status: 'queued', value: file.md5, type: 'md5', poll: lookupPath(file.md5, 'md5'), report: undefined });
    assert.equal(first.headers.get('location'), queued.poll);
    assert.ok(Number(first.headers.get('retry-after')) > 0, 'Retry-After is a number of seconds');
    assert.match(queued.report, /^\/api\/v1\/reports\/[A-Za-z0-9_-]+$/);
    assert.equal(answer.status, 'found');
    assert.equal(answer.verdict, 'malicious');
    assert.equal(answer.malicious, 7);
    assert.deepEqual([answer.md5, answer.sha1, answer.sha256], [file.md5, file.sha1, file.sha256]);
    assert.equal(answer.virusTotalUrl, `https://www.virustotal.com/gui/file/${file.sha256}`);
    assert.equal(answer.fromCache, false, 'fetched for this lookup');
    assert.equal(answer.report, queued.report);
    assert.ok(!Number.isNaN(Date.parse(answer.lookedUpAt)));
    assert.equal(app.sim.callsFor(file.md5), 1);
  });

  test('when the value waits as a row, then it is in the caller\'s "API lookups" report, which the browser lists too', async () => {
    const client = await signedIn(app);
    const token = await tokenFor(client);
    const file = newFile(app.sim);

    const queued = (await (await api(token, lookupPath(file.sha1))).json()) as QueuedBody;
    await pollUntilAnswered(token, queued.poll);
    const report = (await (await api(token, queued.report)).json()) as { name: string; kind: string; status: string; items: Array<{ line: number; value: string; verdict: string }> };
    const page = await client.get('/reports');

    assert.equal(report.name, 'API lookups');
    assert.equal(report.kind, 'lookups');
    assert.equal(report.status, 'completed');
    assert.deepEqual(report.items.map((i) => [i.line, i.value, i.verdict]), [[1, file.sha1, 'malicious']]);
    assert.match(page.html, /API lookups/);
  });

  test('when a value was looked up within the cache lifetime, then a second lookup answers 200 at once, for anyone, without calling VirusTotal', async () => {
    // Arrange
    const first = await newCaller();
    const second = await newCaller();
    const file = newFile(app.sim, { malicious: 0 });
    await pollUntilAnswered(first, lookupPath(file.sha256));
    const calls = app.sim.calls.length;

    // Act
    const again = await api(first, lookupPath(file.sha256));
    const other = await api(second, lookupPath(file.md5));

    // Assert
    assert.equal(again.status, 200);
    assert.equal(other.status, 200);
    const body = (await other.json()) as LookupBody;
    assert.equal(body.verdict, 'clean');
    assert.equal(body.sha256, file.sha256);
    assert.equal(body.fromCache, true, "another user's answer");
    assert.equal(body.report, null, 'nothing was queued for the second user');
    assert.equal(app.sim.calls.length, calls, 'no VirusTotal call');
  });

  test('when a value is refreshed (twice, while the call is out), then exactly one new call is made and no lookup after the refresh returns the older answer', async () => {
    // Arrange
    const token = await newCaller();
    const file = newFile(app.sim, { malicious: 2 });
    const before = await pollUntilAnswered(token, lookupPath(file.md5));
    assert.equal(app.sim.callsFor(file.md5), 1);
    app.sim.setLatency(300);

    try {
      // Act
      const askedAt = Date.now();
      const refreshed = await refresh(token, { value: file.md5 });
      const again = await refresh(token, { value: file.md5, type: 'md5' });
      const next = await api(token, lookupPath(file.md5));
      const nextBody = (await next.json()) as LookupBody | QueuedBody;
      const after = await pollUntilAnswered(token, lookupPath(file.md5));

      // Assert
      assert.equal(refreshed.status, 202);
      assert.equal(again.status, 202);
      const queued = (await refreshed.json()) as QueuedBody;
      assert.equal(queued.status, 'queued');
      assert.equal(queued.poll, lookupPath(file.md5, 'md5'));
      if (next.status === 200) assert.ok(Date.parse((nextBody as LookupBody).lookedUpAt) >= askedAt, 'the lookup after the refresh returned the older answer');
      else assert.equal(next.status, 202);
      assert.ok(Date.parse(after.lookedUpAt) >= askedAt, `${after.lookedUpAt} is older than the refresh`);
      assert.notEqual(after.lookedUpAt, before.lookedUpAt);
      assert.equal(after.fromCache, false);
      assert.equal(app.sim.callsFor(file.md5), 2, 'one call for both refreshes');
    } finally {
      app.sim.setLatency(0);
    }
  });

  test('when VirusTotal does not know the hash, then the answer is 200 not_found', async () => {
    const token = await newCaller();
    const unknown = hex(32);

    const answer = await pollUntilAnswered(token, lookupPath(unknown));

    assert.equal(answer.status, 'not_found');
    assert.equal(answer.verdict, 'not_found');
    assert.equal(answer.virusTotalUrl, null);
    assert.equal(app.sim.callsFor(unknown), 1);
  });

  test('when the lookup gives up (VirusTotal keeps failing), then polling ends with 200 status error, and a refresh tries again', async () => {
    // Arrange
    const token = await newCaller();
    const file = newFile(app.sim);
    app.sim.failNext(3, '503'); // the test app tries 3 times

    // Act
    const failed = await pollUntilAnswered(token, lookupPath(file.sha256));
    const still = await api(token, lookupPath(file.sha256));
    const refreshed = await refresh(token, { value: file.sha256 });
    const answered = await pollUntilAnswered(token, lookupPath(file.sha256));

    // Assert
    assert.equal(failed.status, 'error');
    assert.equal(failed.verdict, 'error');
    assert.match(failed.error ?? '', /gave up after 3 attempts/);
    assert.equal(still.status, 200, 'the error stands until refreshed');
    assert.equal(((await still.json()) as LookupBody).status, 'error');
    assert.equal(refreshed.status, 202);
    assert.equal(answered.status, 'found');
    assert.equal(app.sim.callsFor(file.sha256), 4);
  });

  test('when the EICAR test file is asked for by MD5, then the answer carries its SHA-256 and Fortinet\'s name for it', async () => {
    const token = await newCaller();

    const answer = await pollUntilAnswered(token, lookupPath(EICAR.md5, 'md5'));

    assert.equal(answer.status, 'found');
    assert.equal(answer.sha256, EICAR.sha256);
    assert.equal(answer.verdict, 'malicious');
    assert.ok(answer.fortinet, 'Fortinet detects EICAR');
  });

  test('when the value is not a hash, domain or IP, or not of the type named, then 400 invalid_value; a malformed query is 400 invalid_query', async () => {
    const token = await newCaller();
    const cases: Array<[string, string]> = [
      [lookupPath('not a value!'), 'invalid_value'],
      [lookupPath(EICAR.md5, 'sha256'), 'invalid_value'],
      [lookupPath('abc', 'md5'), 'invalid_value'],
      ['/api/v1/lookup', 'invalid_query'],
      [lookupPath(''), 'invalid_query'],
      [lookupPath(EICAR.md5, 'crc32'), 'invalid_query'],
      [`/api/v1/lookup?value=${EICAR.md5}&value=${EICAR.sha256}`, 'invalid_query'],
      [`/api/v1/lookup?value=${EICAR.md5}&colour=blue`, 'invalid_query'],
      [lookupPath('a'.repeat(3000)), 'invalid_query'],
    ];
    const calls = app.sim.calls.length;

    for (const [path, code] of cases) {
      const response = await api(token, path);
      assert.equal(response.status, 400, path);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, code, path);
      assert.ok(body.error.message.length > 0, path);
    }
    assert.equal(app.sim.calls.length, calls, 'nothing was looked up');
  });

  test('when a bad refresh body is sent, then 400 or 415, and nothing is queued', async () => {
    const token = await newCaller();
    const jobs = async () => await app.db.row('SELECT count(*) AS n FROM lookup_jobs');
    const before = await jobs();

    const badJson = await api(token, '/api/v1/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"value": ' });
    const noValue = await refresh(token, { type: 'md5' });
    const extra = await refresh(token, { value: EICAR.md5, force: true });
    const invalid = await refresh(token, { value: 'nothing to see' });
    const asText = await api(token, '/api/v1/refresh', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: EICAR.md5 });

    const codes = await Promise.all([badJson, noValue, extra, invalid, asText].map(async (r) => [r.status, ((await r.json()) as { error: { code: string } }).error.code]));
    assert.deepEqual(codes, [[400, 'invalid_json'], [400, 'invalid_body'], [400, 'invalid_body'], [400, 'invalid_value'], [415, 'unsupported_media_type']]);
    assert.deepEqual(await jobs(), before);
  });

  test('when a domain from the fixtures (google.com) is looked up, then 202 and then 200 with its reputation, categories and verdict', async () => {
    const token = await newCaller();

    const first = await api(token, lookupPath('google[.]com'));
    const answer = await pollUntilAnswered(token, lookupPath('google.com'));

    assert.equal(first.status, 202);
    assert.equal(((await first.json()) as QueuedBody).type, 'domain');
    assert.equal(answer.type, 'domain');
    assert.equal(answer.status, 'found');
    assert.equal(answer.reputation, 448);
    assert.equal(answer.verdict, 'not_suspicious', 'a reputation of 448 outweighs one engine');
    assert.ok(answer.categories?.includes('search engines'), String(answer.categories));
    assert.equal(answer.fortinet, 'clean');
    assert.equal(answer.virusTotalUrl, 'https://www.virustotal.com/gui/domain/google.com');
    assert.equal(answer.sha256, null);
  });
});
