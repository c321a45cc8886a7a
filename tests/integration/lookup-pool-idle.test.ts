import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLookupPool } from '../../src/lookups/lookup-pool.js';
import { startVtSimulator } from '../../scripts/vt-simulator/simulator.js';

// With a public key the pool sits idle most of every minute. The server closes idle keep-alive
// connections after 5 s (Node's default, and what the simulator runs); a worker that cannot see
// that close sends its next request on a dead socket and gets a reset.
test('when the pool has been idle longer than the server keeps connections open, then the next lookups still succeed', { timeout: 30_000 }, async () => {
  const sim = await startVtSimulator({ keys: { 'idle-key': { perMinute: 100, perDay: 100 } }, generate: true });
  const pool = createLookupPool({ threads: 2 });
  const task = (hash: string) => ({ baseUrl: sim.url, apiKey: 'idle-key', type: 'md5' as const, value: hash, timeoutMs: 5000 });
  try {
    const first = await Promise.all(['a1', 'a2', 'a3', 'a4'].map((p) => pool.run(task(p.repeat(32)))));
    assert.ok(first.every((o) => o.kind === 'found' || o.kind === 'not_found'), JSON.stringify(first));

    await new Promise((resolve) => setTimeout(resolve, 6500));

    const second = await Promise.all(['c1', 'c2', 'c3', 'c4'].map((p) => pool.run(task(p.repeat(32)))));
    assert.deepEqual(
      second.filter((o) => o.kind === 'transient'),
      [],
      'no lookup after the idle gap may fail on a stale connection',
    );
  } finally {
    await pool.close();
    await sim.close();
  }
});
