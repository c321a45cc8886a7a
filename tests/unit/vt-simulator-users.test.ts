import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';

const KEY = 'users-key-0123456789abcdef';
const OTHER = 'other-key-0123456789abcdef';

describe('the fake VirusTotal answers GET /users/{id}', () => {
  let sim: VtSimulator;
  before(async () => {
    sim = await startVtSimulator({ keys: { [KEY]: { perMinute: 4, perDay: 500, perMonth: 15_500 }, [OTHER]: { perMinute: 4, perDay: 500 } } });
  });
  after(async () => {
    await sim.close();
  });
  const ask = (id: string, key: string | null) =>
    fetch(`${sim.url}/users/${encodeURIComponent(id)}`, { headers: key ? { 'x-apikey': key } : {} });

  test('when a key asks about itself, then its user object carries its quotas, the call counted like any other', async () => {
    // Act
    const response = await ask(KEY, KEY);
    const body = (await response.json()) as { data: { type: string; id: string; attributes: { quotas: Record<string, { allowed: number; used: number }> } } };

    // Assert
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(body.data.type, 'user');
    assert.ok(!body.data.id.includes(KEY), 'the user id is a name, not the key');
    assert.deepEqual(body.data.attributes.quotas, {
      api_requests_hourly: { allowed: 240, used: 1 },
      api_requests_daily: { allowed: 500, used: 1 },
      api_requests_monthly: { allowed: 15_500, used: 1 },
    });
    assert.equal(sim.usage(KEY).day, 1);
  });

  test('when the key is wrong, missing, or asks about another key, then 401, 401 and 403 as VirusTotal answers', async () => {
    // Act
    const wrong = await ask('nobody-0123456789abcdef', 'nobody-0123456789abcdef');
    const missing = await ask(KEY, null);
    const other = await ask(OTHER, KEY);

    // Assert
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'WrongCredentialsError');
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'AuthenticationRequiredError');
    assert.equal(other.status, 403);
  });

  test('when a key is revoked, then it is refused from then on; an added one is accepted', async () => {
    // Arrange
    const added = 'added-key-0123456789abcdef';

    // Act
    sim.addKey(added, { perMinute: 1, perDay: 10 });
    const accepted = await ask(added, added);
    sim.revokeKey(added);
    const refused = await ask(added, added);

    // Assert
    assert.equal(accepted.status, 200);
    assert.equal(refused.status, 401);
  });
});
