/**
 * The API's per-user limit (API_REQUESTS_PER_MINUTE), across all of a user's tokens: over it, 429
 * with Retry-After; other users and the OpenAPI document are not affected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appSuite } from '../helpers/app-suite.js';
import { signedIn } from '../helpers/factories.js';
import { createApiToken } from '../helpers/api-client.js';

const LIMIT = 5;

const app = appSuite({ env: { API_REQUESTS_PER_MINUTE: String(LIMIT) } });

const tokenFor = createApiToken;

const get = (path: string, token?: string) => fetch(new URL(path, app.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });

test('when a user makes more calls in a minute than API_REQUESTS_PER_MINUTE, across two tokens, then 429 with Retry-After, while another user and the OpenAPI document still get answers', async () => {
  // Arrange
  const user = await signedIn(app);
  const first = await tokenFor(user, 'First');
  const second = await tokenFor(user, 'Second');
  const otherUser = await tokenFor(await signedIn(app), 'Other');

  // Act
  const allowed = [];
  for (let i = 0; i < LIMIT; i++) allowed.push(await get('/api/v1/reports', i % 2 === 0 ? first : second));
  const refused = await get('/api/v1/reports', second);
  const refusedOther = await get('/api/v1/lookup?value=44d88612fea8a8f36de82e1278abb02f', first);
  const other = await get('/api/v1/reports', otherUser);
  const documents = await Promise.all(Array.from({ length: LIMIT + 1 }, () => get('/api/v1/openapi.json')));

  // Assert
  assert.deepEqual(allowed.map((r) => r.status), Array(LIMIT).fill(200));
  assert.deepEqual(allowed.map((r) => r.headers.get('ratelimit-remaining')), ['4', '3', '2', '1', '0']);
  for (const answer of [refused, refusedOther]) {
    assert.equal(answer.status, 429);
    const retryAfter = Number(answer.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${answer.headers.get('retry-after')}`);
    assert.equal(answer.headers.get('ratelimit-limit'), String(LIMIT));
    const body = (await answer.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'rate_limited');
    assert.match(body.error.message, /at most 5 a minute/);
  }
  assert.equal(app.sim.calls.length, 0, 'the refused lookup was not queued');
  assert.equal(other.status, 200, 'another user has a limit of their own');
  assert.deepEqual(documents.map((r) => r.status), Array(LIMIT + 1).fill(200));
});

test('when a request has no valid token, then it is refused as 401 before any limit, and uses up nobody\'s calls', async () => {
  const token = await tokenFor(await signedIn(app), 'Fresh');

  const refused = await Promise.all(Array.from({ length: LIMIT + 2 }, () => get('/api/v1/reports', 'hr_not-a-token')));
  const mine = await get('/api/v1/reports', token);

  assert.deepEqual(refused.map((r) => r.status), Array(LIMIT + 2).fill(401));
  assert.equal(mine.status, 200);
  assert.equal(mine.headers.get('ratelimit-remaining'), String(LIMIT - 1));
});
