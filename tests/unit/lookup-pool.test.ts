import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLookupPool } from '../../src/lookups/lookup-pool.js';
import { startVtSimulator } from '../../scripts/vt-simulator/simulator.js';

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';
const EICAR_SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';

test('when the real piscina pool looks up EICAR against the simulator, then it comes back found and close() resolves', { timeout: 30_000 }, async () => {
  const sim = await startVtSimulator({ keys: { 'pool-key': { perMinute: 100, perDay: 100 } } });
  const pool = createLookupPool({ threads: 1 });
  try {
    const task = { baseUrl: sim.url, apiKey: 'pool-key', timeoutMs: 5000 };
    const [found, missing] = await Promise.all([
      pool.run({ ...task, type: 'md5', value: EICAR_MD5 }),
      pool.run({ ...task, type: 'sha256', value: 'f'.repeat(64) }),
    ]);
    assert.equal(found.kind, 'found');
    assert.equal(found.kind === 'found' && found.summary.sha256, EICAR_SHA256);
    assert.deepEqual(missing, { kind: 'not_found' });
    assert.equal(sim.callsFor(EICAR_SHA256), 1, 'the worker really went over HTTP');
  } finally {
    await pool.close();
    await sim.close();
  }
});
