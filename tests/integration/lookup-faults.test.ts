import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJson, startTestApp, waitForCompletion, type TestApp, type TestAppOptions } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { assertRowMatchesFake, fileKey } from '../helpers/fake-answers.js';
import type { FaultKind } from '../../scripts/vt-simulator/simulator.js';

const MAX_ATTEMPTS = 4;
const MIXED: FaultKind[] = ['500', '503', 'reset', 'garbled', 'timeout'];

/** What each fault leaves in a row that gave up on it, as vt-client words it. */
const REASONS: Record<string, RegExp> = {
  '500': /^VirusTotal answered 500: .*Internal Server Error/,
  '503': /^VirusTotal answered 503: Transient error, please retry/,
  reset: /^connection reset/,
  garbled: /^garbled answer: .*JSON/,
  timeout: /^no answer within [\d.]+ s/,
};
const GAVE_UP = new RegExp(`\\(gave up after ${MAX_ATTEMPTS} attempts\\)$`);

/** Known files with a spread of verdicts, named by each kind of hash in turn. */
function knownHashes(app: TestApp, n: number): string[] {
  const verdicts = [{}, { malicious: 0 }, { malicious: 0, suspicious: 2 }, { malicious: 30, fortinet: 'W32/Agent.QQ!tr' }];
  return Array.from({ length: n }, (_, i) => {
    const file = newFile(app.sim, verdicts[i % verdicts.length]);
    return [file.md5, file.sha1, file.sha256][i % 3]!;
  });
}

/** Hashes the fake has never seen: generate mode makes up about four files in five and 404s the rest. */
const unseenHashes = (n: number) => Array.from({ length: n }, (_, i) => hex([16, 20, 32][i % 3]!));

/**
 * The fake and the app agree on 60 a "minute" of 1 s, so any 429 would be the app's own doing. A
 * run of failures may trip the circuit breaker; its probe comes in 100 ms, not 30 s, to keep this quick.
 */
const faultyApp = (lookupTimeoutMs = 300): TestAppOptions => ({
    generate: true,
    simKey: { perMinute: 60, perDay: 100_000 },
    minuteMs: 1000,
    env: { VT_RATE_PER_MINUTE: '60', VT_RATE_PER_DAY: '100000' },
    tuning: { retryBaseMs: 20, maxAttempts: MAX_ATTEMPTS, lookupTimeoutMs, breakerProbeMs: 100 },
  });

describe('VirusTotal failing at random', () => {
  // Real answers must not be taken for timeouts on a busy machine: each would be asked twice.
  const app = appSuite(faultyApp(1500));

  test('when a fifth of all calls fail in mixed ways, then every report completes with each row answered once or failed with its reason, and no 429', async () => {
    // Arrange
    const users = [await signedIn(app), await signedIn(app), await signedIn(app)];
    const lists = [knownHashes(app, 30), unseenHashes(30), [...knownHashes(app, 15), ...unseenHashes(15)]];
    app.sim.setFaultRate(0.2, MIXED, 2026);

    // Act
    const ids = await Promise.all(users.map((user, i) => uploadHashes(user, lists[i]!)));
    await Promise.all(users.map((user, i) => waitForCompletion(user, ids[i]!, 25_000)));
    const reports = await Promise.all(users.map((user, i) => exportJson(user, ids[i]!)));

    // Assert
    const injected = new Set(app.sim.calls.map((c) => c.fault).filter(Boolean));
    assert.deepEqual(injected, new Set(MIXED), 'every kind of fault was injected');
    assert.equal(app.sim.quotaRejections(), 0, 'the app never ran into the quota itself');
    const answered = new Map<string, number>();
    for (const call of app.sim.calls) {
      if (call.hash && !call.fault) answered.set(fileKey(app.sim, call.hash), (answered.get(fileKey(app.sim, call.hash)) ?? 0) + 1);
    }
    for (const [i, report] of reports.entries()) {
      assert.deepEqual(report.items.map((item) => item.input), lists[i], 'one row per uploaded line');
      for (const item of report.items) {
        const answers = answered.get(fileKey(app.sim, item.input)) ?? 0;
        if (item.status === 'error') {
          assert.ok(Object.values(REASONS).some((r) => r.test(item.error ?? '')), `line ${item.line}: ${item.error}`);
          assert.match(item.error ?? '', GAVE_UP);
          assert.equal(answers, 0, `line ${item.line} failed though VirusTotal answered it`);
        } else {
          assertRowMatchesFake(app.sim, item);
          assert.equal(answers, 1, `line ${item.line} (${item.input}) was answered ${answers} times`);
        }
      }
    }
  });

});

describe('VirusTotal failing one way every time', () => {
  // An app each: failures in a row add up across lookups, and should not carry from one kind to the next.
  for (const [kind, reason] of Object.entries(REASONS)) {
    test(`when every try of a lookup gets fault '${kind}', then its row is an error that says so`, async (t) => {
      // Arrange
      const app = await startTestApp(faultyApp());
      t.after(() => app.stop());
      const client = await signedIn(app);
      const file = newFile(app.sim);
      app.sim.failNext(MAX_ATTEMPTS, kind as FaultKind);

      // Act
      const id = await uploadHashes(client, [file.sha256]);
      await waitForCompletion(client, id);
      const [item] = (await exportJson(client, id)).items;

      // Assert
      assert.equal(item?.status, 'error');
      assert.match(item?.error ?? '', reason);
      assert.match(item?.error ?? '', GAVE_UP);
      assert.equal(app.sim.callsFor(file.sha256), MAX_ATTEMPTS);
    });
  }
});
