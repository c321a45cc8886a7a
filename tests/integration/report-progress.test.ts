import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import type { HttpClient } from '../helpers/http-client.js';
import { appIdle, TEST_KEY } from '../helpers/test-app.js';

// A real minute: the limiter's pacing is what these tests read, and nothing here waits for it.
const MINUTE_MS = 60_000;

interface LiveStatus {
  status: string;
  counts: Record<string, number>;
  estimatedFinish: string | null;
  paused: string | null;
  stall: { reason: string; message: string; until: string | null } | null;
  banner: string | null;
}

async function liveStatus(client: HttpClient, id: string): Promise<LiveStatus> {
  const response = await client.request(`/reports/${id}/status.json`);
  assert.equal(response.status, 200);
  return (await response.json()) as LiveStatus;
}

describe('a refused personal key beside a working shared key', () => {
  const PERSONAL = hex(32);
  let sim: VtSimulator;
  const app = appSuite(async () => {
    sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 4, perDay: 1000 }, [PERSONAL]: { perMinute: 4, perDay: 500 } }, minuteMs: MINUTE_MS });
    return { sim, minuteMs: MINUTE_MS, env: { VT_RATE_PER_MINUTE: '4', VT_RATE_PER_DAY: '1000' } };
  });
  after(async () => {
    await sim?.close();
  });

  test('when VirusTotal refuses the personal key, then the report still has an estimate from the shared key, and the banner says so in words', async () => {
    // Arrange
    const client = await signedIn(app);
    const saved = await client.postForm('/settings/api-key', { key: PERSONAL, perMinute: '4', perDay: '500', useShared: 'on' }, '/settings');
    assert.equal(saved.status, 303, saved.html.slice(0, 300));
    // Revoked on VirusTotal's site after it was saved: the first lookup with it gets a 401.
    sim.revokeKey(PERSONAL);
    const files = Array.from({ length: 6 }, () => newFile(sim));

    // Act
    const id = await uploadHashes(client, files.map((f) => f.sha256));
    await appIdle(app);
    const status = await liveStatus(client, id);
    const page = await client.get(`/reports/${id}`);

    // Assert
    const refused = sim.calls.filter((c) => c.key === PERSONAL && c.path.startsWith('/api/v3/files/'));
    assert.ok(refused.length >= 1 && refused.every((c) => c.status === 401), 'the personal key was tried and refused');
    assert.ok(sim.calls.some((c) => c.key === TEST_KEY && c.status === 200), 'the shared key does the work');
    assert.equal(status.status, 'running');
    assert.ok(status.estimatedFinish, 'an estimate, from the shared key that serves the report');
    assert.equal(status.paused, null, 'nothing stops the report');
    assert.match(status.banner ?? '', new RegExp(`VirusTotal refused your API key …${PERSONAL.slice(-4)}: the key is incorrect\\. Check it in Settings\\.`));
    assert.match(page.html, /Estimated finish:/);
    assert.doesNotMatch(page.html, /No estimate/);
    assert.match(page.html, /id="report-key-notice"[^>]*>VirusTotal refused your API key …\w{4}: the key is incorrect\. Check it in Settings\. Meanwhile the shared keys look up your rows\./);
    assert.match(page.html, /id="lookup-banner"><div class="banner banner-wrong_key"|id="lookup-banner">\s*<div class="banner banner-wrong_key"/);
    assert.doesNotMatch(page.html + JSON.stringify(status), /\b(?:[A-Z][a-z]+){2,}Error\b/, 'no class names anywhere a user reads');
  });
});

describe('a report waiting for the minute', () => {
  let sim: VtSimulator;
  const app = appSuite(async () => {
    sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 1, perDay: 1000 } }, minuteMs: MINUTE_MS });
    return { sim, minuteMs: MINUTE_MS, env: { VT_RATE_PER_MINUTE: '1', VT_RATE_PER_DAY: '1000' } };
  });
  after(async () => {
    await sim?.close();
  });

  test("when the minute's quota is spent, then the report says so and when the next lookup goes", async () => {
    // Arrange
    const client = await signedIn(app);
    const files = [newFile(sim), newFile(sim)];

    // Act
    const id = await uploadHashes(client, files.map((f) => f.sha256));
    await appIdle(app);
    const status = await liveStatus(client, id);
    const page = await client.get(`/reports/${id}`);

    // Assert
    assert.equal(sim.calls.length, 1, 'one lookup went; the second waits for the minute');
    assert.equal(status.counts.pending, 1);
    assert.equal(status.stall?.reason, 'minute');
    assert.match(status.stall?.message ?? '', /^The minute's quota is spent: next lookup in (\d+) s\.$/);
    const seconds = Number(/in (\d+) s/.exec(status.stall?.message ?? '')?.[1]);
    assert.ok(seconds > 30 && seconds <= 61, `${seconds} s to the next lookup`);
    assert.ok(status.stall?.until && Date.parse(status.stall.until) > Date.now(), 'until when, as a time');
    assert.match(page.html, /id="report-stall">\s*The minute&#39;s quota is spent: next lookup <span data-countdown-until="[^"]+">in \d+ s<\/span>\./);
  });
});
