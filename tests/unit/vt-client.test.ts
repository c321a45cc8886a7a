import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lookupObject } from '../../src/lookups/vt-client.js';
import type { LookupOutcome } from '../../src/lookups/lookup.types.js';
import { startVtSimulator, type FaultKind, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';

const KEY = 'sim-key-0123456789-SECRET';
const TIGHT_KEY = 'sim-key-tight-SECRET';
const EICAR = {
  md5: '44d88612fea8a8f36de82e1278abb02f',
  sha1: '3395856ce81f2b7382dee72602f798b642f14140',
  sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
};

let sim: VtSimulator;
const seenReasons: string[] = [];

function remember(outcome: LookupOutcome): LookupOutcome {
  if (outcome.kind === 'transient' || outcome.kind === 'rejected') seenReasons.push(outcome.reason);
  if (outcome.kind === 'quota' || outcome.kind === 'auth') seenReasons.push(`${outcome.code} ${outcome.message}`);
  return outcome;
}

const HASH_TYPES = { 32: 'md5', 40: 'sha1', 64: 'sha256' } as const;

async function lookup(hash: string, apiKey = KEY, timeoutMs = 3000, baseUrl = sim.url): Promise<LookupOutcome> {
  const type = HASH_TYPES[hash.length as 32 | 40 | 64] ?? 'sha256';
  return remember(await lookupObject({ baseUrl, apiKey, type, value: hash, timeoutMs }));
}

/** A one-answer stand-in for VirusTotal, for answers the simulator has no reason to give. */
async function answerOnce(status: number, body: (apiKey: string) => string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body(String(req.headers['x-apikey'])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`, server };
}

function stop(server: Server): void {
  server.close();
  server.closeAllConnections(); // undici keeps connections alive; do not let them hold the test process
}

before(async () => {
  sim = await startVtSimulator({
    keys: { [KEY]: { perMinute: 1000, perDay: 1000 }, [TIGHT_KEY]: { perMinute: 2, perDay: 1000 } },
  });
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

test('when a file is looked up by MD5, then it is found under its SHA-256 id', async () => {
  const outcome = await lookup(EICAR.md5);
  assert.equal(outcome.kind, 'found');
  assert.equal(outcome.kind === 'found' && outcome.summary.sha256, EICAR.sha256);
  assert.equal(outcome.kind === 'found' && outcome.summary.fortinet, 'EICAR_TEST_FILE');
  assert.equal(sim.calls[0]?.path, `/api/v3/files/${EICAR.md5}`);
  assert.equal(sim.calls[0]?.key, KEY, 'the key travels in x-apikey');
});

test('when a file is looked up by upper-case SHA-1, then it is found', async () => {
  const outcome = await lookup(EICAR.sha1.toUpperCase());
  assert.equal(outcome.kind === 'found' && outcome.summary.sha256, EICAR.sha256);
});

test('when VirusTotal does not know the hash, then the outcome is not_found', async () => {
  assert.deepEqual(await lookup('0'.repeat(64)), { kind: 'not_found' });
});

test('when the key is wrong, then the outcome is auth with WrongCredentialsError', async () => {
  const outcome = await lookup(EICAR.md5, 'not-a-key-SECRET');
  assert.deepEqual(outcome, { kind: 'auth', code: 'WrongCredentialsError', message: 'The provided API key is incorrect.' });
});

test('when the key is empty, then the outcome is auth with AuthenticationRequiredError', async () => {
  const outcome = await lookup(EICAR.md5, '');
  assert.equal(outcome.kind === 'auth' && outcome.code, 'AuthenticationRequiredError');
});

test('when the per-minute allowance of 2 is spent, then the third call is quota', async () => {
  assert.equal((await lookup(EICAR.md5, TIGHT_KEY)).kind, 'found');
  assert.equal((await lookup('0'.repeat(32), TIGHT_KEY)).kind, 'not_found');
  assert.deepEqual(await lookup(EICAR.md5, TIGHT_KEY), { kind: 'quota', code: 'QuotaExceededError', message: 'Quota exceeded' });
});

const faultCases: Array<[FaultKind, (o: LookupOutcome) => void]> = [
  ['500', (o) => assert.match(o.kind === 'transient' ? o.reason : '', /^VirusTotal answered 500\b/)],
  ['503', (o) => assert.match(o.kind === 'transient' ? o.reason : '', /^VirusTotal answered 503: Transient error/)],
  ['reset', (o) => assert.deepEqual(o, { kind: 'transient', reason: 'connection reset' })],
  ['garbled', (o) => assert.match(o.kind === 'transient' ? o.reason : '', /^garbled answer: /)],
  ['timeout', (o) => assert.deepEqual(o, { kind: 'transient', reason: 'no answer within 0.3 s' })],
  ['429', (o) => assert.deepEqual(o, { kind: 'quota', code: 'QuotaExceededError', message: 'Quota exceeded' })],
  ['401', (o) => assert.equal(o.kind === 'auth' && o.code, 'WrongCredentialsError')],
];
for (const [kind, check] of faultCases) {
  test(`when the simulator injects a '${kind}' fault, then lookupObject maps it and the next call is normal again`, async () => {
    sim.failNext(1, kind);
    check(await lookup(EICAR.md5, KEY, kind === 'timeout' ? 300 : 3000));
    assert.equal(sim.calls[0]?.fault, kind);
    assert.equal((await lookup(EICAR.md5)).kind, 'found');
  });
}

test('when nothing listens on the port, then the outcome is transient connection refused', async () => {
  const { url, server } = await answerOnce(200, () => '{}');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.deepEqual(await lookup(EICAR.md5, KEY, 3000, url), { kind: 'transient', reason: 'connection refused' });
});

test('when a 200 body is JSON but not a file object, then the outcome is a transient garbled answer', async () => {
  const { url, server } = await answerOnce(200, () => '{"data":{"type":"file"}}');
  try {
    const outcome = await lookup(EICAR.md5, KEY, 3000, url);
    assert.match(outcome.kind === 'transient' ? outcome.reason : '', /^garbled answer: .*data\.id/);
  } finally {
    stop(server);
  }
});

test('when another 4xx echoes the key, then the outcome is rejected and the key is scrubbed', async () => {
  const { url, server } = await answerOnce(400, (key) =>
    JSON.stringify({ error: { code: 'InvalidArgumentError', message: `bad request for key ${key}` } }));
  try {
    const outcome = await lookup(EICAR.md5, KEY, 3000, url);
    assert.equal(outcome.kind, 'rejected');
    assert.match(outcome.kind === 'rejected' ? outcome.reason : '', /^VirusTotal answered 400: bad request for key /);
  } finally {
    stop(server);
  }
});

test('when all the answers above were mapped, then no reason or message contained an API key', () => {
  assert.ok(seenReasons.length >= 10, `expected the earlier tests to have produced reasons, got ${seenReasons.length}`);
  for (const reason of seenReasons) {
    assert.ok(!reason.includes('SECRET'), `reason leaks a key: ${reason}`);
  }
});

describe('domains and IP addresses', () => {
  const lookupAs = async (type: 'domain' | 'ip', value: string) =>
    remember(await lookupObject({ baseUrl: sim.url, apiKey: KEY, type, value, timeoutMs: 3000 }));

  test('when a domain is looked up, then it goes to /domains/{domain} and comes back with its reputation', async () => {
    const outcome = await lookupAs('domain', 'tawuhoju.com');
    assert.equal(sim.calls[0]?.path, '/api/v3/domains/tawuhoju.com');
    assert.equal(outcome.kind === 'found' && outcome.summary.reputation, -37);
    assert.equal(outcome.kind === 'found' && outcome.summary.fortinet, 'malware');
    assert.equal(sim.callsFor('tawuhoju.com'), 1);
  });

  test('when an IP is looked up, then it goes to /ip_addresses/{ip} and comes back with its AS owner', async () => {
    const outcome = await lookupAs('ip', '142.251.220.110');
    assert.equal(sim.calls[0]?.path, '/api/v3/ip_addresses/142.251.220.110');
    assert.equal(outcome.kind === 'found' && outcome.summary.asOwner, 'GOOGLE');
  });

  test('when VirusTotal knows neither the domain nor the IPv6 address, then both are not_found', async () => {
    assert.deepEqual(await lookupAs('domain', 'never-seen.example.org'), { kind: 'not_found' });
    assert.deepEqual(await lookupAs('ip', '2001:db8::1'), { kind: 'not_found' });
    assert.equal(sim.calls[1]?.path, '/api/v3/ip_addresses/2001%3Adb8%3A%3A1', 'the colons are escaped in the path');
  });
});
