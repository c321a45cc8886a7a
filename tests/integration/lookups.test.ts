import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJson, reportStatus, waitFor, waitForCompletion, appIdle } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, newFile, signedIn, sleep, uploadHashes } from '../helpers/factories.js';

const bannerOf = (html: string) => /<div class="banner banner-[a-z_]+" role="status">([\s\S]*?)<\/div>/.exec(html)?.[1]?.replace(/\s+/g, ' ').trim() ?? null;

describe('the shared cache and single flight', () => {
  const app = appSuite();

  test('when user B uploads a hash user A already looked up, then B\'s report is completed at upload from the cache', async () => {
    // Arrange
    const a = await signedIn(app);
    const b = await signedIn(app);
    const file = newFile(app.sim, { malicious: 12, fortinet: 'W32/Agent.XY!tr' });
    const first = await uploadHashes(a, [file.sha256]);
    await waitForCompletion(a, first);

    // Act
    const second = await uploadHashes(b, [file.sha256]);
    const status = await reportStatus(b, second);
    const json = await exportJson(b, second);

    // Assert
    assert.equal(status.status, 'completed', 'completed at upload, without waiting for a lookup');
    assert.equal(json.items[0]?.fromCache, true);
    assert.equal(json.items[0]?.malicious, 12);
    assert.equal(json.items[0]?.fortinet, 'W32/Agent.XY!tr');
    assert.equal((await exportJson(a, first)).items[0]?.fromCache, false);
    assert.equal(app.sim.callsFor(file.sha256), 1);
  });

  test('when a file was looked up by MD5, then its SHA-256 and SHA-1 are answered from the cache', async () => {
    // Arrange
    const client = await signedIn(app);
    const other = await signedIn(app);
    const file = newFile(app.sim);
    const byMd5 = await uploadHashes(client, [file.md5]);
    await waitForCompletion(client, byMd5);

    // Act
    const bySha256 = await uploadHashes(client, [file.sha256]);
    const bySha1 = await uploadHashes(other, [file.sha1.toUpperCase()]);

    // Assert
    for (const [owner, id, type] of [[client, bySha256, 'sha256'], [other, bySha1, 'sha1']] as const) {
      assert.equal((await reportStatus(owner, id)).status, 'completed');
      const [item] = (await exportJson(owner, id)).items;
      assert.equal(item?.type, type);
      assert.equal(item?.fromCache, true);
      assert.equal(item?.verdict, 'malicious');
      assert.deepEqual([item?.md5, item?.sha1, item?.sha256], [file.md5, file.sha1, file.sha256]);
    }
    assert.equal(app.sim.callsFor(file.md5), 1, 'one call for the file, whichever hash named it');
  });

  test('when a file was looked up by SHA-256, then its MD5 is answered from the cache', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    await waitForCompletion(client, await uploadHashes(client, [file.sha256]));

    // Act
    const byMd5 = await uploadHashes(client, [file.md5]);

    // Assert
    assert.equal((await reportStatus(client, byMd5)).status, 'completed');
    assert.equal((await exportJson(client, byMd5)).items[0]?.fromCache, true);
    assert.equal(app.sim.callsFor(file.sha256), 1);
  });

  test('when a hash VirusTotal does not know is uploaded again by another user, then the not-found answer comes from the cache', async () => {
    // Arrange
    const a = await signedIn(app);
    const b = await signedIn(app);
    const unknown = hex(32);
    const first = await uploadHashes(a, [unknown]);
    await waitForCompletion(a, first);

    // Act
    const second = await uploadHashes(b, [unknown]);

    // Assert
    assert.equal((await exportJson(a, first)).items[0]?.verdict, 'not_found');
    assert.equal((await reportStatus(b, second)).status, 'completed');
    const [item] = (await exportJson(b, second)).items;
    assert.equal(item?.verdict, 'not_found');
    assert.equal(item?.status, 'not_found');
    assert.equal(item?.fromCache, true);
    assert.equal(app.sim.callsFor(unknown), 1);
  });

  test('when two users upload the same new hash at about the same time, then VirusTotal is asked once and both reports complete', async (t) => {
    // Arrange
    const a = await signedIn(app);
    const b = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.setLatency(300);
    t.after(() => app.sim.setLatency(0));

    // Act
    const [first, second] = await Promise.all([uploadHashes(a, [file.md5]), uploadHashes(b, [file.md5])]);
    const [doneA, doneB] = await Promise.all([waitForCompletion(a, first), waitForCompletion(b, second)]);

    // Assert
    assert.equal(doneA.counts.malicious, 1);
    assert.equal(doneB.counts.malicious, 1);
    assert.equal(app.sim.callsFor(file.md5), 1);
  });

  test('when one user uploads the same new hash in two reports at once, then VirusTotal is asked once and both complete', async (t) => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    const other = hex(20);
    app.sim.setLatency(300);
    t.after(() => app.sim.setLatency(0));

    // Act
    const first = await uploadHashes(client, [file.sha256, other]);
    const second = await uploadHashes(client, [other, file.sha256]);
    const [one, two] = await Promise.all([waitForCompletion(client, first), waitForCompletion(client, second)]);

    // Assert
    assert.deepEqual([one.counts.malicious, one.counts.notFound], [1, 1]);
    assert.deepEqual([two.counts.malicious, two.counts.notFound], [1, 1]);
    assert.equal(app.sim.callsFor(file.sha256), 1);
    assert.equal(app.sim.callsFor(other), 1);
  });
});

describe('transient failures', () => {
  // A short per-request timeout so a hung request counts as a failure quickly.
  const app = appSuite({ tuning: { lookupTimeoutMs: 400 } });

  test('when VirusTotal answers 503 on every try, then the row becomes an error naming 503 after exactly 3 calls', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.failNext(3, '503');

    // Act
    const id = await uploadHashes(client, [file.md5]);
    const done = await waitForCompletion(client, id);
    const [item] = (await exportJson(client, id)).items;

    // Assert
    assert.equal(done.counts.error, 1);
    assert.equal(item?.status, 'error');
    assert.equal(item?.verdict, 'error');
    assert.match(item?.error ?? '', /503/);
    assert.equal(app.sim.callsFor(file.md5), 3);
    const page = await client.get(`/reports/${id}`);
    assert.match(page.html, /class="reason">[^<]*503/);
  });

  test('when a hash ended in an error, then uploading it again asks VirusTotal again', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.failNext(3, '503');
    const failed = await uploadHashes(client, [file.sha1]);
    assert.equal((await waitForCompletion(client, failed)).counts.error, 1);

    // Act
    const again = await uploadHashes(client, [file.sha1]);
    const done = await waitForCompletion(client, again);

    // Assert
    assert.equal(done.counts.malicious, 1);
    assert.equal((await exportJson(client, again)).items[0]?.fromCache, false);
    assert.equal(app.sim.callsFor(file.sha1), 4);
    assert.equal((await exportJson(client, failed)).items[0]?.status, 'error', 'the old report keeps its answer');
  });

  test('when VirusTotal fails twice with 500, then the third try succeeds and the row is found', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.failNext(2, '500');

    // Act
    const id = await uploadHashes(client, [file.sha256]);
    const done = await waitForCompletion(client, id);

    // Assert
    assert.equal(done.counts.malicious, 1);
    assert.equal(done.counts.error, 0);
    assert.equal(app.sim.callsFor(file.sha256), 3);
  });

  test('when an answer is garbled, then the lookup is retried and the row is found', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.failNext(1, 'garbled');

    // Act
    const id = await uploadHashes(client, [file.md5]);
    const done = await waitForCompletion(client, id);

    // Assert
    assert.equal(done.counts.malicious, 1);
    assert.equal(app.sim.callsFor(file.md5), 2);
  });

  test('when a request never gets an answer, then it times out, is retried and the row is found', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.failNext(1, 'timeout');

    // Act
    const id = await uploadHashes(client, [file.md5]);
    const done = await waitForCompletion(client, id);

    // Assert
    assert.equal(done.counts.malicious, 1);
    assert.equal(app.sim.callsFor(file.md5), 2);
  });

  test('when every try times out, then the row becomes an error that says so', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.failNext(3, 'timeout');

    // Act
    const id = await uploadHashes(client, [file.md5]);
    await waitForCompletion(client, id);
    const [item] = (await exportJson(client, id)).items;

    // Assert
    assert.equal(item?.status, 'error');
    assert.match(item?.error ?? '', /no answer within 0\.4 s/);
    assert.equal(app.sim.callsFor(file.md5), 3);
  });
});

describe('VirusTotal\'s quota', () => {
  // The app believes it may send 10 a "minute"; the fake allows 2.
  const app = appSuite({ simKey: { perMinute: 2, perDay: 10_000 }, minuteMs: 1000, env: { VT_RATE_PER_MINUTE: '10' } });

  test('when VirusTotal answers 429, then lookups pause, no row becomes an error, and all complete once the window frees', async () => {
    // Arrange
    const client = await signedIn(app);
    const files = Array.from({ length: 5 }, () => newFile(app.sim));

    // Act
    const id = await uploadHashes(client, files.map((f) => f.md5));
    const seen: { paused: string | null; pending: number; error: number }[] = [];
    const done = await waitFor(async () => {
      const s = await reportStatus(client, id);
      seen.push({ paused: s.paused, pending: s.counts.pending ?? 0, error: s.counts.error ?? 0 });
      return s.status === 'completed' ? s : null;
    }, 'the report to complete', 15_000);

    // Assert
    assert.ok(app.sim.calls.some((c) => c.status === 429), 'the fake answered 429 at least once');
    assert.equal(done.counts.malicious, 5);
    assert.equal(done.counts.error, 0);
    assert.ok(seen.every((s) => s.error === 0), 'no row was ever an error');
    for (const file of files) assert.ok(app.sim.callsFor(file.md5) >= 1);
  });

  test('when a lookup gets a 429, then status.json says lookups are paused while rows wait, then the report completes', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    await sleep(1100); // the previous test's calls leave the fake's window
    app.sim.failNext(1, '429');

    // Act
    const id = await uploadHashes(client, [file.md5]);
    const paused = await waitFor(async () => {
      const s = await reportStatus(client, id);
      return s.paused ? s : null;
    }, 'status.json to report the pause', 5000);
    const page = await client.get(`/reports/${id}`);
    const done = await waitForCompletion(client, id);

    // Assert
    assert.match(paused.paused ?? '', /quota/i);
    assert.equal(paused.counts.pending, 1);
    assert.equal(paused.counts.error, 0);
    assert.match(bannerOf(page.html) ?? '', /quota/i);
    assert.equal(done.counts.malicious, 1);
    assert.equal(app.sim.callsFor(file.md5), 2);
  });
});

describe('the app\'s own rate limiter', () => {
  const app = appSuite({ minuteMs: 1000, env: { VT_RATE_PER_MINUTE: '3' } });

  test('when more hashes are queued than the per-minute rate, then no window holds more calls than the rate and VirusTotal never says 429', async () => {
    // Arrange
    const client = await signedIn(app);
    const files = Array.from({ length: 7 }, () => newFile(app.sim));

    // Act
    const id = await uploadHashes(client, files.map((f) => f.sha256));
    const done = await waitForCompletion(client, id, 20_000);

    // Assert
    assert.equal(done.counts.malicious, 7);
    const times = app.sim.calls.map((c) => c.at).sort((x, y) => x - y);
    assert.equal(times.length, 7);
    for (const start of times) {
      const inWindow = times.filter((t) => t >= start && t <= start + 1000).length;
      assert.ok(inWindow <= 3, `${inWindow} calls within 1000 ms from ${start}: ${times.map((t) => t - times[0]!).join(', ')}`);
    }
    assert.ok(app.sim.calls.every((c) => c.status !== 429));
  });
});

describe('a wrong API key', () => {
  const app = appSuite({ env: { VT_API_KEY: 'a-key-virustotal-never-issued' } });

  test('when VirusTotal refuses the key, then lookups pause after the first 401, rows stay pending and the pages say why', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);

    // Act
    const first = await uploadHashes(client, [file.md5]);
    const paused = await waitFor(async () => {
      const s = await reportStatus(client, first);
      return s.paused ? s : null;
    }, 'the wrong key to pause lookups', 5000);
    const second = await uploadHashes(client, [hex(16), hex(32)]);
    await appIdle(app);
    const page = await client.get(`/reports/${second}`);

    // Assert
    assert.match(paused.paused ?? '', /API key/);
    assert.equal(paused.counts.pending, 1);
    assert.equal(app.sim.calls.length, 1, 'one call, then nothing while the key is refused');
    assert.equal(app.sim.calls[0]?.status, 401);
    const later = await reportStatus(client, first);
    assert.equal(later.status, 'queued');
    assert.equal(later.counts.error, 0);
    assert.equal((await reportStatus(client, second)).counts.pending, 2);
    assert.match(bannerOf(page.html) ?? '', /refused the shared API key/);
    assert.match(page.html, /No estimate:[^<]*API key/);
  });
});

describe('a wrong API key, retried', () => {
  const app = appSuite({ env: { VT_API_KEY: 'a-key-virustotal-never-issued' }, tuning: { authRetryMs: 600 } });

  test('when the pause for a refused key ends, then a single probe asks VirusTotal again, not every queued hash', async () => {
    // Arrange
    const client = await signedIn(app);
    const first = await uploadHashes(client, [hex(16)]);
    await waitFor(async () => (await reportStatus(client, first)).paused, 'the wrong key to pause lookups', 5000);
    const second = await uploadHashes(client, [hex(16), hex(20), hex(32)]);

    // Act
    await waitFor(async () => app.sim.calls.length >= 2, 'the probe after the pause', 5000);
    await appIdle(app);

    // Assert
    assert.equal(app.sim.calls.length, 2, `calls: ${app.sim.calls.map((c) => c.status).join(', ')}`);
    assert.ok(app.sim.calls.every((c) => c.status === 401));
    assert.match((await reportStatus(client, second)).paused ?? '', /API key/);
    assert.equal((await reportStatus(client, second)).counts.pending, 3);
    assert.equal((await reportStatus(client, first)).counts.error, 0);
  });
});

describe('no API key at all', () => {
  const app = appSuite({ noKey: true });

  test('when no VT_API_KEY is set, then uploads are accepted, rows wait, every page says so, and VirusTotal is never called', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);

    // Act
    const id = await uploadHashes(client, [file.md5, hex(20), 'not a hash']);
    await appIdle(app);
    const status = await reportStatus(client, id);
    const reportPage = await client.get(`/reports/${id}`);
    const newPage = await client.get('/reports/new');
    const listPage = await client.get('/reports');

    // Assert
    assert.equal(status.status, 'queued');
    assert.equal(status.counts.pending, 2);
    assert.equal(status.counts.invalid, 1);
    assert.match(status.paused ?? '', /waiting for a VirusTotal API key/);
    for (const page of [reportPage, newPage, listPage]) assert.match(bannerOf(page.html) ?? '', /waiting for a VirusTotal API key/);
    assert.equal(app.sim.calls.length, 0);
  });
});

describe('waiting for the lookups to settle', () => {
  // A lookup timed out on a busy machine is retried after a backoff, and the scheduler is idle while
  // the backoff runs: a long timeout keeps this test about the settled case.
  const app = appSuite({ tuning: { lookupTimeoutMs: 30_000 } });

  test('when a report\'s lookups are done, then whenIdle resolves with the report completed, and no VirusTotal call follows', async () => {
    // Arrange: two names of one file (the second comes from the cache), another file, a hash VirusTotal does not know
    const client = await signedIn(app);
    const file = newFile(app.sim);
    const other = newFile(app.sim);
    const unknown = hex(32);

    // Act
    const id = await uploadHashes(client, [file.md5, file.sha256, other.sha1, unknown]);
    await app.runtime.scheduler.whenIdle();
    const callsWhenIdle = app.sim.calls.length;
    const status = await reportStatus(client, id);
    app.runtime.lookups.wake();
    await app.runtime.scheduler.whenIdle();

    // Assert
    assert.equal(status.status, 'completed', 'completed by the time the scheduler is idle, without polling');
    assert.equal(callsWhenIdle, 3, 'one call per file and one for the unknown hash');
    assert.equal(app.sim.calls.length, callsWhenIdle, 'nothing is sent after the scheduler says it is idle');
    assert.equal(app.runtime.scheduler.inFlightCount(), 0);
  });
});
