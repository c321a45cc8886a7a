import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { normaliseFile, normaliseObject } from '../../src/lookups/normalise-object.js';
import { startVtSimulator, type VtSimulator, type VtSimulatorOptions } from '../../scripts/vt-simulator/simulator.js';

const KEY = 'k-test';
const roomy = { [KEY]: { perMinute: 10_000, perDay: 10_000 } };

async function withSim(options: Partial<VtSimulatorOptions>, body: (sim: VtSimulator) => Promise<void>): Promise<void> {
  const sim = await startVtSimulator({ keys: roomy, ...options });
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

async function get(sim: VtSimulator, path: string, headers: Record<string, string> = { 'x-apikey': KEY }) {
  const res = await fetch(`${sim.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, json: () => JSON.parse(text) };
}

/** The part of a file answer the alias test reads. */
interface FileAnswer { data: { id: string; attributes: { md5: string; sha1: string; sha256: string } } }

const digestOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
const md5Of = (i: number) => createHash('md5').update(`sample-${i}`).digest('hex');

test('when generate is on and a hash is asked by md5, then its sha1 and sha256 aliases return the same object and callsFor counts all', async () => {
  await withSim({ generate: true }, async (sim) => {
    let first: FileAnswer | undefined;
    let md5 = '';
    for (let i = 0; !first; i++) {
      md5 = md5Of(i);
      const answer = await get(sim, `/files/${md5}`);
      if (answer.status === 200) first = answer.json();
    }
    const { id, attributes } = first.data;
    assert.equal(attributes.md5, md5);
    assert.equal(attributes.sha256, id);
    assert.match(id, /^[0-9a-f]{64}$/);
    const bySha256 = (await get(sim, `/files/${id.toUpperCase()}`)).json();
    const bySha1 = (await get(sim, `/files/${attributes.sha1}`)).json();
    // Compared as digests: a deepEqual diff of two 78-engine reports takes minutes to render.
    assert.equal(digestOf(bySha256), digestOf(first), 'the sha256 alias answers the same object');
    assert.equal(digestOf(bySha1), digestOf(first), 'the sha1 alias answers the same object');
    assert.equal(sim.callsFor(md5), 3);
    assert.equal(sim.callsFor(id), 3);
  });
});

test('when generate is on, then about a fifth of unknown hashes are 404 and every 200 survives normaliseFile with consistent stats', async () => {
  await withSim({ generate: true }, async (sim) => {
    const kinds = { notFound: 0, malicious: 0, suspicious: 0, clean: 0 };
    for (let i = 0; i < 200; i++) {
      const answer = await get(sim, `/files/${md5Of(i)}`);
      if (answer.status === 404) {
        kinds.notFound++;
        continue;
      }
      assert.equal(answer.status, 200);
      const body = answer.json();
      const verdict = normaliseFile(body);
      const stats = body.data.attributes.last_analysis_stats as Record<string, number>;
      const results = body.data.attributes.last_analysis_results as Record<string, { category: string; result: string | null }>;
      assert.equal(Object.keys(stats).length, 8);
      assert.equal(Object.values(stats).reduce((a, b) => a + b, 0), Object.keys(results).length, 'stats add up to the engines');
      assert.ok(Object.keys(results).length >= 65, 'about seventy engines');
      const fortinet = results['Fortinet'];
      assert.ok(fortinet, 'Fortinet always has an entry');
      assert.equal(verdict.fortinet, ['malicious', 'suspicious'].includes(fortinet.category) ? fortinet.result : null);
      if (verdict.malicious > 0) {
        kinds.malicious++;
        assert.ok(body.data.attributes.popular_threat_classification, 'malicious files carry a threat label');
      } else if (verdict.suspicious > 0) kinds.suspicious++;
      else kinds.clean++;
    }
    assert.ok(kinds.notFound >= 24 && kinds.notFound <= 56, `not found ${kinds.notFound}/200`);
    assert.ok(kinds.malicious >= 30 && kinds.malicious <= 70, `malicious ${kinds.malicious}/200`);
    assert.ok(kinds.suspicious >= 8 && kinds.suspicious <= 35, `suspicious ${kinds.suspicious}/200`);
    assert.ok(kinds.clean >= 60, `clean ${kinds.clean}/200`);
  });
});

test('when two simulators are asked the same unknown hash, then they answer identically', async () => {
  const answers: string[] = [];
  for (let n = 0; n < 2; n++) {
    await withSim({ generate: true }, async (sim) => {
      for (let i = 0; i < 5; i++) answers.push(digestOf((await get(sim, `/files/${md5Of(i)}`)).text));
    });
  }
  assert.deepEqual(answers.slice(0, 5), answers.slice(5));
});

test('when generate is off, then unknown hashes are 404 but added files are served by every alias', async () => {
  await withSim({}, async (sim) => {
    const hashes = { md5: 'a'.repeat(32), sha1: 'b'.repeat(40), sha256: 'c'.repeat(64) };
    assert.equal((await get(sim, `/files/${md5Of(1)}`)).status, 404);
    sim.addFile({ ...hashes, malicious: 12, suspicious: 2, fortinet: 'W32/Test.AB!tr' });
    for (const alias of Object.values(hashes)) {
      const verdict = normaliseFile((await get(sim, `/files/${alias}`)).json());
      assert.equal(verdict.sha256, hashes.sha256);
      assert.equal(verdict.malicious, 12);
      assert.equal(verdict.suspicious, 2);
      assert.equal(verdict.fortinet, 'W32/Test.AB!tr');
    }
    sim.addFile({ md5: 'd'.repeat(32), sha1: 'e'.repeat(40), sha256: 'f'.repeat(64), malicious: 3 });
    assert.equal(normaliseFile((await get(sim, `/files/${'d'.repeat(32)}`)).json()).fortinet, null);
  });
});

test('when errors are answered, then every one is application/json and the missing-key body is the documented one', async () => {
  await withSim({ keys: { [KEY]: { perMinute: 1, perDay: 100 } } }, async (sim) => {
    const documented = JSON.parse(await readFile(new URL('../fixtures/virustotal/error-authrequired.json', import.meta.url), 'utf8'));
    const missing = await get(sim, '/files/' + 'a'.repeat(32), {});
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.json(), documented);
    const answers = [missing, await get(sim, '/files/x', { 'X-ApiKey': 'nope' }), await get(sim, '/files/' + 'a'.repeat(32))];
    answers.push(await get(sim, '/files/' + 'a'.repeat(32)));
    sim.failNext(1, '503');
    sim.failNext(1, 'garbled');
    answers.push(await get(sim, '/whatever'), await get(sim, '/whatever'));
    assert.deepEqual(answers.map((a) => a.status), [401, 401, 404, 429, 503, 200]);
    assert.equal(answers[1]!.json().error.code, 'WrongCredentialsError');
    assert.equal(answers[3]!.json().error.code, 'QuotaExceededError');
    for (const answer of answers) assert.equal(answer.type, 'application/json');
    assert.throws(() => answers[5]!.json(), SyntaxError, 'garbled is truncated JSON');
    assert.deepEqual(sim.calls.map((c) => c.fault ?? null), [null, null, null, null, '503', 'garbled']);
  });
});

test('when the minute window is 200 ms, then a third call is 429, does not count, and the window slides', async () => {
  await withSim({ keys: { [KEY]: { perMinute: 2, perDay: 100 } }, minuteMs: 200 }, async (sim) => {
    const eicar = '/files/44d88612fea8a8f36de82e1278abb02f';
    assert.equal((await get(sim, eicar)).status, 200);
    assert.equal((await get(sim, eicar)).status, 200);
    assert.equal((await get(sim, eicar)).status, 429);
    assert.equal(sim.usage(KEY).minute, 2, 'the refused call is not counted');
    await sleep(250);
    assert.equal((await get(sim, eicar)).status, 200);
    assert.equal(sim.usage(KEY).day, 3);
  });
});

test('when the daily allowance is spent, then calls are refused until 00:00 UTC', async () => {
  let now = Date.UTC(2026, 0, 31, 23, 59, 0);
  await withSim({ keys: { [KEY]: { perMinute: 100, perDay: 2, perMonth: 3 } }, minuteMs: 1, now: () => now }, async (sim) => {
    const eicar = '/files/44d88612fea8a8f36de82e1278abb02f';
    assert.equal((await get(sim, eicar)).status, 200);
    now += 10;
    assert.equal((await get(sim, eicar)).status, 200);
    now += 10;
    assert.equal((await get(sim, eicar)).status, 429);
    now = Date.UTC(2026, 1, 1, 0, 0, 1);
    assert.equal((await get(sim, eicar)).status, 200, 'a new UTC day (and month) starts afresh');
    assert.equal(sim.calls[0]?.at, Date.UTC(2026, 0, 31, 23, 59, 0));
  });
});

test('when a request is left hanging by a timeout fault or latency, then close() still resolves promptly', async () => {
  const sim = await startVtSimulator({ keys: roomy });
  let closed = false;
  try {
    sim.failNext(1, 'timeout');
    const hung = fetch(`${sim.url}/files/${md5Of(0)}`, { headers: { 'x-apikey': KEY } }).catch((err: Error) => err);
    sim.setLatency(150);
    const started = Date.now();
    const slow = get(sim, '/files/44d88612fea8a8f36de82e1278abb02f');
    await sleep(50);
    assert.deepEqual(sim.calls.map((c) => c.status), [0, 0], 'both are in flight');
    assert.equal((await slow).status, 200);
    assert.ok(Date.now() - started >= 140, 'latency delays the answer');
    const closing = Date.now();
    await sim.close();
    closed = true;
    assert.ok(Date.now() - closing < 1000);
    assert.ok((await hung) instanceof Error, 'the hung client sees its connection closed');
  } finally {
    if (!closed) await sim.close();
  }
});

test('when domains and IPs from the fixtures are asked, then they are served, and others are 404', async () => {
  await withSim({}, async (sim) => {
    assert.equal((await get(sim, '/domains/Google.com')).json().data.id, 'google.com');
    assert.equal((await get(sim, '/ip_addresses/1.1.1.1')).json().data.type, 'ip_address');
    assert.equal((await get(sim, '/domains/example.org')).json().error.code, 'NotFoundError');
    assert.equal((await get(sim, '/ip_addresses/8.8.8.8')).status, 404);
  });
});

/** `n` requests, `parallel` at a time, for a domain the fake does not know: a small 404 keeps a thousand quick. */
async function hammer(sim: VtSimulator, n: number, parallel = 20): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, n - i) }, () => get(sim, '/domains/example.org'));
    statuses.push(...(await Promise.all(batch)).map((a) => a.status));
  }
  return statuses;
}

const faultsOf = (sim: VtSimulator) => sim.calls.map((c) => c.fault ?? null);

test('when a fault rate of 20 % is set with a seed, then about a fifth of 1000 requests fail, and the same seed fails the same arrivals', async () => {
  const runs: (string | null)[][] = [];
  for (const [seed, n] of [[7, 1000], [7, 1000], [8, 200]] as const) {
    await withSim({}, async (sim) => {
      sim.setFaultRate(0.2, ['500', '503'], seed);
      await hammer(sim, n, 50);
      runs.push(faultsOf(sim));
    });
  }
  const [first, again, otherSeed] = runs;
  const failed = first!.filter((f) => f !== null).length;
  assert.ok(failed >= 170 && failed <= 230, `${failed} of 1000 failed`);
  assert.deepEqual(again, first, 'the same seed picks the same arrivals and kinds');
  assert.notDeepEqual(otherSeed, first!.slice(0, 200), 'another seed picks others');
});

test('when a fault rate is set without a seed, then two simulators inject the same faults', async () => {
  const runs: (string | null)[][] = [];
  for (let n = 0; n < 2; n++) {
    await withSim({}, async (sim) => {
      sim.setFaultRate(0.3, ['503', 'garbled']);
      await hammer(sim, 100);
      runs.push(faultsOf(sim));
    });
  }
  assert.deepEqual(runs[0], runs[1]);
});

test('when a fault rate names some kinds, then only those are injected, each of them, with their usual answers', async () => {
  await withSim({}, async (sim) => {
    sim.setFaultRate(0.5, ['500', 'garbled'], 3);
    const statuses = await hammer(sim, 200);
    const faults = sim.calls.filter((c) => c.fault);
    assert.deepEqual(new Set(faults.map((c) => c.fault)), new Set(['500', 'garbled']));
    assert.deepEqual(new Set(statuses), new Set([200, 404, 500]), 'garbled is a 200 with half a body');
    assert.equal(statuses.filter((s) => s === 500).length, faults.filter((c) => c.fault === '500').length);
  });
});

test('when a fault rate is out of range or names no kinds, then setFaultRate refuses it', async () => {
  await withSim({}, async (sim) => {
    assert.throws(() => sim.setFaultRate(1.5, ['503']), RangeError);
    assert.throws(() => sim.setFaultRate(Number.NaN, ['503']), RangeError);
    assert.throws(() => sim.setFaultRate(0.1, []), RangeError);
    assert.throws(() => sim.setFaultRate(0.1, ['418' as never]), RangeError);
    sim.setFaultRate(0, []);
  });
});

test('when faults are injected, then they use no quota, and a failNext fault comes before the random ones', async () => {
  await withSim({ keys: { [KEY]: { perMinute: 5, perDay: 100 } } }, async (sim) => {
    sim.setFaultRate(1, ['503', '429', '401']);
    sim.failNext(1, 'garbled');
    await hammer(sim, 30, 5);
    sim.setFaultRate(0, []);
    const clean = await hammer(sim, 6, 1);
    assert.equal(sim.calls[0]?.fault, 'garbled');
    assert.ok(sim.calls.slice(0, 30).every((c) => c.fault !== undefined));
    assert.deepEqual(clean, [404, 404, 404, 404, 404, 429], 'all five calls of the minute were still free');
    assert.equal(sim.usage(KEY).day, 5);
  });
});

test('when the key\'s quota is spent, then that 429 is counted as the fake\'s own and an injected 429 is not', async () => {
  await withSim({ keys: { [KEY]: { perMinute: 2, perDay: 100 } } }, async (sim) => {
    sim.failNext(1, '429');
    const statuses = await hammer(sim, 4, 1);
    assert.deepEqual(statuses, [429, 404, 404, 429]);
    assert.equal(sim.quotaRejections(), 1);
    assert.deepEqual(sim.calls.map((c) => [c.fault ?? null, c.quotaRejected ?? false]), [['429', false], [null, false], [null, false], [null, true]]);
    sim.reset();
    assert.equal(sim.quotaRejections(), 0);
  });
});

test('when clients give up on requests hung by timeout faults, then the fake lets go of them at once, not at close()', async () => {
  await withSim({}, async (sim) => {
    sim.setFaultRate(1, ['timeout']);
    const settled = Promise.all(Array.from({ length: 100 }, () =>
      fetch(`${sim.url}/files/${md5Of(1)}`, { headers: { 'x-apikey': KEY }, signal: AbortSignal.timeout(400) }).then(
        () => 'answered',
        (err: Error) => err.name,
      )));
    while (sim.calls.length < 100) await sleep(10);
    const whileWaiting = sim.hungRequests();
    const outcomes = await settled;
    await sleep(50);
    assert.equal(whileWaiting, 100);
    assert.deepEqual(new Set(outcomes), new Set(['TimeoutError']));
    assert.equal(sim.hungRequests(), 0, 'no hung request outlives its client');
  });
});

test('when generate is on, then unknown domains and IPs get stable answers shaped like the captures, a quarter of them 404', async () => {
  await withSim({ generate: true }, async (sim) => {
    let found = 0;
    let suspicious = 0;
    for (let i = 0; i < 80; i++) {
      for (const [type, path] of [['domain', `/domains/site-${i}.example.com`], ['ip', `/ip_addresses/203.0.113.${i}`]] as const) {
        const answer = await get(sim, path);
        if (answer.status === 404) continue;
        found++;
        const body = answer.json();
        assert.deepEqual(digestOf((await get(sim, path)).json()), digestOf(body), 'the same object again');
        const summary = normaliseObject(type, body);
        const results = body.data.attributes.last_analysis_results as Record<string, unknown>;
        assert.equal(summary.engines, Object.keys(results).length, 'stats add up to the engines');
        assert.ok(summary.fortinet, "Fortinet's result is always there for a site");
        if (type === 'domain') assert.ok(summary.categories && summary.categories.length > 0);
        else assert.ok(summary.asOwner && summary.country);
        if ((summary.reputation ?? 0) < -10) suspicious++;
      }
    }
    assert.ok(found > 100 && found < 140, `about three quarters of 160 found, got ${found}`);
    assert.ok(suspicious > 10, `some have a bad reputation, got ${suspicious}`);
  });
});

test('when generate is off, then a domain or IP without a capture is 404 NotFoundError', async () => {
  await withSim({}, async (sim) => {
    assert.equal((await get(sim, '/domains/site-1.example.com')).status, 404);
    assert.equal((await get(sim, '/ip_addresses/203.0.113.1')).status, 404);
    assert.equal((await get(sim, '/domains/google.com')).status, 200);
  });
});
