import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { keyFingerprint } from '../../src/lookups/api-key.js';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { reportStatus, TEST_KEY, waitFor, waitForCompletion, appIdle } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { adminClient, newFile, signedIn, sleep, uploadHashes } from '../helpers/factories.js';
import { createApiToken } from '../helpers/api-client.js';

const WINDOW_MS = 1000;
const PREMIUM = 'premium-key-0123456789abcdef';
const PUBLIC = 'public-key-0123456789abcdef0';
const REVOKED = 'revoked-key-0123456789abcdef';

/** The most calls any key had in any sliding window of `windowMs`, from the fake's own log. */
function busiestWindow(sim: VtSimulator, key: string, windowMs: number): number {
  const times = sim.calls.filter((c) => c.key === key).map((c) => c.at).sort((x, y) => x - y);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('several shared keys', () => {
  let sim: VtSimulator;
  const app = appSuite(async () => {
    sim = await startVtSimulator({
      keys: { [PREMIUM]: { perMinute: 30, perDay: 100_000 }, [PUBLIC]: { perMinute: 4, perDay: 100_000 } },
      minuteMs: WINDOW_MS,
    });
    return { sim, minuteMs: WINDOW_MS, noKey: true, env: { VT_API_KEYS: `${PREMIUM}:30:100000,${PUBLIC}:4:100000` } };
  });
  after(async () => {
    await sim?.close();
  });

  test('when work exceeds one key, then both keys are used, each within its own quota, the premium one most', async () => {
    // Arrange
    const client = await signedIn(app);
    const files = Array.from({ length: 60 }, () => newFile(sim));

    // Act
    const id = await uploadHashes(client, files.map((f) => f.sha256));
    const done = await waitForCompletion(client, id, 20_000);

    // Assert
    assert.equal(done.counts.malicious, 60);
    const premium = sim.calls.filter((c) => c.key === PREMIUM).length;
    const publicCalls = sim.calls.filter((c) => c.key === PUBLIC).length;
    assert.equal(premium + publicCalls, 60, 'one call per file, on one key or the other');
    assert.ok(publicCalls > 0, 'the public key took a share');
    assert.ok(premium > publicCalls * 3, `premium ${premium} vs public ${publicCalls}`);
    assert.equal(sim.quotaRejections(), 0, 'no key was ever pushed past its quota');
    assert.ok(busiestWindow(sim, PREMIUM, WINDOW_MS) <= 30);
    assert.ok(busiestWindow(sim, PUBLIC, WINDOW_MS) <= 4);
  });
});

describe('a refused key beside a good one', () => {
  let sim: VtSimulator;
  const app = appSuite(async () => {
    sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 1000, perDay: 100_000 } }, minuteMs: WINDOW_MS });
    return { sim, minuteMs: WINDOW_MS, noKey: true, env: { VT_API_KEYS: `${REVOKED}:1000:100000,${TEST_KEY}:10:100000` } };
  });
  after(async () => {
    await sim?.close();
  });

  test('when VirusTotal refuses one shared key, then only that key pauses and the other finishes the work', async () => {
    // Arrange
    const client = await signedIn(app);
    const files = Array.from({ length: 12 }, () => newFile(sim));

    // Act
    const id = await uploadHashes(client, files.map((f) => f.md5));
    const done = await waitForCompletion(client, id, 20_000);
    const refused = sim.calls.filter((c) => c.key === REVOKED);
    const keys = app.runtime.lookups.keys();

    // Assert
    assert.equal(done.counts.malicious, 12);
    assert.equal(done.counts.error, 0);
    // Calls already on their way when the first 401 came back get theirs too; none is sent after it.
    assert.ok(refused.length >= 1 && refused.length <= 8, `${refused.length} calls on the refused key`);
    assert.ok(refused.every((c) => c.status === 401));
    assert.equal(sim.calls.filter((c) => c.key === TEST_KEY && c.status === 200).length, 12, 'the good key answered every file');
    assert.equal(keys.find((k) => k.id === keyFingerprint(REVOKED))?.pause?.reason, 'wrong_key');
    assert.equal(keys.find((k) => k.id === keyFingerprint(TEST_KEY))?.pause, null);
  });
});

describe('daily quota used up', () => {
  const app = appSuite({
      minuteMs: WINDOW_MS,
      simKey: { perMinute: 100, perDay: 3 },
      env: { VT_RATE_PER_MINUTE: '100', VT_RATE_PER_DAY: '3' },
    });

  test('when the day runs out, then the remaining rows show as waiting for quota until 00:00 UTC, and the estimate says so', async () => {
    // Arrange
    const client = await signedIn(app);
    const files = Array.from({ length: 5 }, () => newFile(app.sim));
    const midnight = new Date(Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000);

    // Act
    const id = await uploadHashes(client, files.map((f) => f.sha256));
    const status = await waitFor(async () => {
      const s = await reportStatus(client, id);
      return s.counts.malicious === 3 ? s : null;
    }, 'the day allowance to be spent', 10_000);
    await appIdle(app);
    const page = await client.get(`/reports/${id}`);
    const latest = (await reportStatus(client, id)) as Awaited<ReturnType<typeof reportStatus>> & { waitingForQuotaUntil: string | null };

    // Assert
    assert.equal(status.counts.pending, 2);
    assert.equal(app.sim.calls.length, 3, 'no call beyond the day allowance');
    assert.equal(app.sim.quotaRejections(), 0, 'the app stopped before VirusTotal had to say no');
    assert.equal(latest.waitingForQuotaUntil, midnight.toISOString());
    assert.equal((page.html.match(/waiting for quota<\/span>/g) ?? []).length, 2);
    assert.match(page.html, /Today's VirusTotal quota is used up: the remaining rows wait for quota until/);
    assert.ok(latest.estimatedFinish && Date.parse(latest.estimatedFinish) >= midnight.getTime(), 'the estimate is after 00:00 UTC');
    assert.match(page.html, /class="banner banner-quota"[^>]*>\s*The daily VirusTotal quota is used up; lookups resume at 00:00 UTC/);
  });
});

describe('VirusTotal down', () => {
  const app = appSuite({ minuteMs: WINDOW_MS, tuning: { breakerThreshold: 4, breakerProbeMs: 400, maxAttempts: 3 } });

  test('when every call fails, then lookups pause with a banner on every page, probe, and resume by themselves without errors', async () => {
    // Arrange
    const client = await signedIn(app);
    const files = Array.from({ length: 6 }, () => newFile(app.sim));
    app.sim.setFaultRate(1, ['503']);

    // Act
    const id = await uploadHashes(client, files.map((f) => f.sha256));
    await waitFor(async () => ((await reportStatus(client, id)).paused ?? '').includes('not answering'), 'the breaker to open', 5000);
    const pages = await Promise.all(['/reports', '/reports/new', `/reports/${id}`].map((p) => client.get(p)));
    const callsWhileDown = app.sim.calls.length;
    // Time passing, not "nothing happened": the pause lasts while the clock runs, with at most one probe.
    await sleep(300);
    const callsAfterWaiting = app.sim.calls.length;
    app.sim.setFaultRate(0, ['503']);
    const done = await waitForCompletion(client, id, 15_000);

    // Assert
    for (const page of pages) assert.match(page.html, /class="banner banner-vt_down"[^>]*>\s*VirusTotal is not answering/);
    assert.ok(callsAfterWaiting - callsWhileDown <= 1, 'at most one probe while paused');
    assert.equal(done.counts.malicious, 6);
    assert.equal(done.counts.error, 0, 'an outage does not use up the rows\' attempts');
    const token = await createApiToken(await adminClient(app), 'Monitoring');
    const health = (await (await fetch(`${app.url}/healthz`, { headers: { authorization: `Bearer ${token}` } })).json()) as { lookups: { state: string } };
    assert.equal(health.lookups.state, 'running');
  });
});
