/**
 * Watched reports: the leader re-checks a watched report's rows on a schedule, inside a daily budget,
 * at the lowest turn, and emails what changed once per re-check. Instead of waiting a day, a test ages
 * its own report by a day (its rows, their cache entries and its watch's due time); the lookups and
 * the email go through the real VirusTotal simulator and a real SMTP server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appSuite } from '../helpers/app-suite.js';
import { apiCall, createApiToken } from '../helpers/api-client.js';
import { newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { recipient } from '../helpers/page.js';
import { waitFor, waitForCompletion } from '../helpers/test-app.js';

const HOUR = 3_600_000;
const DAY_AND_AN_HOUR = 25 * HOUR;

const app = appSuite({
  mail: true,
  env: { WATCH_LOOKUPS_PER_DAY: '3', WATCH_DETECTIONS_UP: '5' },
  // One call at a time: the order calls reach the simulator is the order they were sent.
  tuning: { watchPollMs: 24 * HOUR, maxInFlight: 1 },
});

/** The report's answers and its watch as they would be a day (and an hour) later: its re-check is due. */
async function age(reportId: string): Promise<void> {
  await app.db.run(
    'UPDATE cache_entries SET fetched_at = fetched_at - ? WHERE key IN (SELECT a.entry_key FROM cache_aliases a JOIN report_items i ON i.hash = a.hash WHERE i.report_id = ?)',
    DAY_AND_AN_HOUR,
    reportId,
  );
  await app.db.run('UPDATE report_items SET looked_up_at = looked_up_at - ? WHERE report_id = ?', DAY_AND_AN_HOUR, reportId);
  await app.db.run('UPDATE report_watches SET next_check_at = next_check_at - ? WHERE report_id = ?', DAY_AND_AN_HOUR, reportId);
}

/** A day later: the report's re-check starts, its lookups run, and it ends (and emails). */
async function dayPasses(reportId: string): Promise<void> {
  await age(reportId);
  await app.runtime.watch.tick();
  await app.runtime.scheduler.whenIdle();
  await app.runtime.watch.tick();
}

/** The change emails `email` received. */
const changeEmails = (email: string) => (app.smtp?.messages ?? []).filter((m) => recipient(m) === email && (m.subject ?? '').startsWith('Watched report changed'));

async function user(): Promise<{ client: HttpClient; email: string }> {
  const email = uniqueEmail();
  return { client: await signedIn(app, email), email };
}

async function completedReport(client: HttpClient, hashes: string[]): Promise<string> {
  const id = await uploadHashes(client, hashes);
  await waitForCompletion(client, id);
  return id;
}

async function watch(client: HttpClient, id: string): Promise<void> {
  const response = await client.postForm(`/reports/${id}/watch`, {}, `/reports/${id}`);
  assert.equal(response.status, 303);
}

const callsFor = (hashes: string[]) => hashes.reduce((n, h) => n + app.sim.callsFor(h), 0);

describe('watched reports', () => {
  test('when a re-check finds a clean file now malicious, then the owner gets exactly one email listing it, and the row keeps a history with before and after', async () => {
    // Arrange
    const { client, email } = await user();
    const turning = newFile(app.sim, { malicious: 0 });
    const steady = newFile(app.sim, { malicious: 7, fortinet: 'W32/Steady.A!tr' });
    const id = await completedReport(client, [turning.md5, steady.md5]);
    const page = await client.get(`/reports/${id}`);
    assert.match(page.html, /Watch this report/);
    await watch(client, id);
    app.sim.addFile({ ...turning, malicious: 12, fortinet: 'W32/Turned.B!tr' });

    // Act
    await dayPasses(id);
    await dayPasses(id);

    // Assert
    const mails = changeEmails(email);
    assert.equal(mails.length, 1, 'one email for the re-check that changed something, none for the one that did not');
    assert.match(mails[0]?.text ?? '', new RegExp(`Line 1: ${turning.md5}`));
    assert.match(mails[0]?.text ?? '', /verdict changed, more detections, new Fortinet name: clean, 0 detections -> malicious, 12 detections, Fortinet W32\/Turned\.B!tr/);
    assert.doesNotMatch(mails[0]?.text ?? '', new RegExp(steady.md5), 'the unchanged row is not listed');
    const history = await app.db.rows<{ line: number; before_verdict: string; after_verdict: string }>('SELECT line, before_verdict, after_verdict FROM watch_changes WHERE report_id = ?', id);
    assert.deepEqual(history.map((h) => [Number(h.line), h.before_verdict, h.after_verdict]), [[1, 'clean', 'malicious']]);
    const changes = await client.get(`/reports/${id}/changes`);
    assert.equal(changes.status, 200);
    assert.match(changes.html, /1 row changed/);
    assert.match(changes.html, /clean, 0 detections/);
    const report = await client.get(`/reports/${id}`);
    assert.match(report.html, /Changes \(1\)/);
    assert.match(report.html, /Stop watching/);
  });

  test('when a re-check changes nothing, then no email is sent', async () => {
    // Arrange
    const { client, email } = await user();
    const file = newFile(app.sim, { malicious: 4 });
    const id = await completedReport(client, [file.md5]);
    await watch(client, id);
    const before = app.sim.callsFor(file.md5);

    // Act
    await dayPasses(id);
    await app.runtime.notifier.whenIdle();

    // Assert
    assert.equal(app.sim.callsFor(file.md5), before + 1, 'the row was looked up again');
    assert.equal(changeEmails(email).length, 0);
    const checks = await app.db.row<{ n: number }>('SELECT count(*) AS n FROM watch_checks WHERE report_id = ?', id);
    assert.equal(Number(checks?.n), 0, 'nothing waits in the outbox');
    const watched = await app.db.row<{ checking_since: number | null; last_check_at: number | null }>('SELECT checking_since, last_check_at FROM report_watches WHERE report_id = ?', id);
    assert.equal(watched?.checking_since, null, 'the re-check is over');
    assert.ok(watched?.last_check_at, 'and recorded');
  });

  test('when a file VirusTotal did not know becomes known, then the change is listed through the API', async () => {
    // Arrange
    const { client } = await user();
    const token = await createApiToken(client, 'watch');
    // Its first digit changed, so the simulator does not know it (one time in 16 'f' was already there).
    const unknown = { md5: newFile(app.sim).md5.replace(/./, (digit) => (digit === 'f' ? 'e' : 'f')) };
    const id = await completedReport(client, [unknown.md5]);
    const watched = await apiCall(app.url, token, `/api/v1/reports/${id}/watch`, { method: 'POST' });
    assert.equal(watched.status, 200);
    assert.equal(((await watched.json()) as { watching: boolean }).watching, true);
    newFile(app.sim); // another file, so the simulator is not asked for a hash it knows by accident
    app.sim.addFile({ md5: unknown.md5, sha1: 'a'.repeat(40).replace(/^a{8}/, unknown.md5.slice(0, 8)), sha256: unknown.md5.repeat(2), malicious: 2 });

    // Act
    await dayPasses(id);

    // Assert
    const answer = await apiCall(app.url, token, `/api/v1/reports/${id}/changes`);
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as { watch: { changes: number }; checks: Array<{ changes: Array<{ line: number; kinds: string[]; before: { verdict: string }; after: { verdict: string } }> }> };
    assert.equal(body.watch.changes, 1);
    assert.deepEqual(body.checks[0]?.changes.map((c) => [c.line, c.kinds, c.before.verdict, c.after.verdict]), [[1, ['found'], 'not_found', 'malicious']]);
  });

  test('when the cache holds a newer answer than a watched row (another analyst asked since), then the re-check takes it without a call and reports the change', async () => {
    // Arrange
    const { client, email } = await user();
    const file = newFile(app.sim, { malicious: 0 });
    const id = await completedReport(client, [file.md5]);
    await watch(client, id);
    await age(id);
    app.sim.addFile({ ...file, malicious: 8 });
    const colleague = await user();
    await completedReport(colleague.client, [file.sha256]);
    const before = app.sim.callsFor(file.md5);

    // Act
    await app.runtime.watch.tick();
    await app.runtime.scheduler.whenIdle();
    await app.runtime.watch.tick();

    // Assert
    assert.equal(app.sim.callsFor(file.md5), before, 'no call: the cache answered');
    assert.equal(changeEmails(email).length, 1);
    assert.match(changeEmails(email)[0]?.text ?? '', /clean, 0 detections -> malicious, 8 detections/);
  });

  test('when an interactive report has rows waiting, then no re-check call is sent before them', async () => {
    // Arrange
    const watcher = await user();
    const watchedFiles = [newFile(app.sim), newFile(app.sim), newFile(app.sim)].map((f) => f.md5);
    const watchedId = await completedReport(watcher.client, watchedFiles);
    await watch(watcher.client, watchedId);
    const analyst = await user();
    const interactive = Array.from({ length: 6 }, () => newFile(app.sim).md5);
    const from = app.sim.calls.length;

    // Act: the first interactive call is held in flight while the re-check queues its rows.
    app.sim.hold();
    const interactiveId = await uploadHashes(analyst.client, interactive);
    await waitFor(async () => app.sim.calls.length > from, 'the first interactive call');
    await age(watchedId);
    await app.runtime.watch.tick();
    app.sim.release();
    await app.runtime.scheduler.whenIdle();
    await app.runtime.watch.tick();

    // Assert
    await waitForCompletion(analyst.client, interactiveId);
    const order = app.sim.calls.slice(from).map((c) => (interactive.includes(c.hash ?? '') ? 'interactive' : watchedFiles.includes(c.hash ?? '') ? 'recheck' : 'other'));
    assert.deepEqual(order, [...Array(6).fill('interactive'), ...Array(3).fill('recheck')]);
  });

  test('when watching stops, then the report is not re-checked any more', async () => {
    // Arrange
    const { client } = await user();
    const token = await createApiToken(client, 'unwatch');
    const files = [newFile(app.sim).md5, newFile(app.sim).md5];
    const id = await completedReport(client, files);
    await watch(client, id);
    const stopped = await apiCall(app.url, token, `/api/v1/reports/${id}/watch`, { method: 'DELETE' });
    assert.equal(((await stopped.json()) as { watching: boolean }).watching, false);
    const before = callsFor(files);

    // Act
    await dayPasses(id);

    // Assert
    assert.equal(callsFor(files), before);
    assert.match((await client.get(`/reports/${id}`)).html, /Watch this report/);
  });

  test('when watching stops during a re-check, then its waiting rows keep their answers and are not looked up', async () => {
    // Arrange
    const { client } = await user();
    const files = [newFile(app.sim).md5, newFile(app.sim).md5, newFile(app.sim).md5];
    const id = await completedReport(client, files);
    await watch(client, id);
    const from = app.sim.calls.length;

    // Act
    app.sim.hold();
    await age(id);
    await app.runtime.watch.tick();
    await waitFor(async () => app.sim.calls.length > from, 'the re-check\'s first call');
    const stopped = await client.postForm(`/reports/${id}/unwatch`, {}, `/reports/${id}`);
    app.sim.release();
    await app.runtime.scheduler.whenIdle();
    await app.runtime.watch.tick();

    // Assert
    assert.equal(stopped.status, 303);
    assert.equal(app.sim.calls.length - from, 1, 'only the call already in flight');
    const report = await waitForCompletion(client, id);
    assert.equal(report.counts.malicious, 3, 'every row keeps its verdict');
  });

  test('when a watched report is deleted, then it is not re-checked and its watch is gone', async () => {
    // Arrange
    const { client } = await user();
    const files = [newFile(app.sim).md5];
    const id = await completedReport(client, files);
    await watch(client, id);
    const deleted = await client.postForm(`/reports/${id}/delete`, {}, `/reports/${id}`);
    assert.equal(deleted.status, 303);
    const before = callsFor(files);

    // Act
    await dayPasses(id);

    // Assert
    assert.equal(callsFor(files), before);
    const rows = await app.db.row<{ n: number }>('SELECT count(*) AS n FROM report_watches WHERE report_id = ?', id);
    assert.equal(Number(rows?.n), 0);
  });

  test('when a re-check needs more lookups than the daily budget, then it spends only the budget that day', async () => {
    // Arrange: WATCH_LOOKUPS_PER_DAY is 3 in this suite.
    const { client } = await user();
    const files = Array.from({ length: 5 }, () => newFile(app.sim).md5);
    const id = await completedReport(client, files);
    await watch(client, id);
    const before = callsFor(files);

    // Act
    await dayPasses(id);
    await app.runtime.watch.tick();
    await app.runtime.scheduler.whenIdle();

    // Assert
    assert.equal(callsFor(files) - before, 3, 'three lookups, however often the duty runs that day');
    const watched = await app.db.row<{ next_check_at: number }>('SELECT next_check_at FROM report_watches WHERE report_id = ?', id);
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    assert.equal(Number(watched?.next_check_at), midnight.getTime(), 'the rest wait for the budget to renew');
  });
});
