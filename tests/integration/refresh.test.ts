import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { reportIdFrom, waitFor, type TestApp, appIdle } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { mailsTo } from '../helpers/page.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { hex, newFile, signedIn, sleep, uploadHashes } from '../helpers/factories.js';

const HOUR_MS = 3_600_000;
/** Every app here reuses answers for one hour; tests move answers out of it by ageing them in SQL. */
const TTL_ENV = { CACHE_TTL_HOURS: '1' };

interface Row {
  id: number;
  line: number;
  input: string;
  status: string;
  verdict: string;
  malicious: number | null;
  looked_up_at: number | null;
  from_cache: number | null;
  answer_id: number | null;
}

const rows = async (app: TestApp, reportId: string): Promise<Row[]> =>
  (await app.db.rows('SELECT * FROM report_items WHERE report_id = ? ORDER BY line', reportId)) as Row[];

async function rowOf(app: TestApp, reportId: string, input: string): Promise<Row> {
  const row = (await rows(app, reportId)).find((r) => r.input === input);
  assert.ok(row, `no row for ${input}`);
  return row;
}

/** Moves rows' fetch times (and, with `cache`, their cache entries') `ms` into the past. */
async function age(app: TestApp, reportId: string, inputs: string[], ms: number, options: { cache: boolean }): Promise<void> {
  const marks = inputs.map(() => '?').join(', ');
  await app.db.run(`UPDATE report_items SET looked_up_at = looked_up_at - ? WHERE report_id = ? AND input IN (${marks})`, ms, reportId, ...inputs);
  if (!options.cache) return;
  await app.db.run(`UPDATE cache_entries SET fetched_at = fetched_at - ? WHERE key IN (SELECT entry_key FROM cache_aliases WHERE hash IN (${marks}))`, ms, ...inputs);
}

const stateOf = async (app: TestApp, reportId: string) =>
  ((await app.db.row('SELECT state FROM reports WHERE id = ?', reportId)) as { state: string } | undefined)?.state;

async function waitForCompleted(app: TestApp, reportId: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => await stateOf(app, reportId) === 'completed', `report ${reportId} to complete`, timeoutMs);
}

/** Calls the fake received since `mark` for exactly these hashes (not their aliases). */
const callsSince = (app: TestApp, mark: number) => app.sim.calls.slice(mark).flatMap((c) => (c.hash ? [c.hash] : []));

const textOf = (html: string, id: string) =>
  new RegExp(`id="${id}">([\\s\\S]*?)</p>`).exec(html)?.[1]?.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim() ?? null;

/** The expected-done time the confirm page gives, in ms. */
function etaOf(html: string): number {
  const iso = /<time datetime="([^"]+)">/.exec(html)?.[1];
  assert.ok(iso, 'the confirm page gives a time');
  return Date.parse(iso);
}

describe('refresh, force refresh and re-run', () => {
  const app = appSuite({ env: TTL_ENV });

  test('when a report has answers older than the TTL, then Refresh prices and re-asks exactly those, and they get the new answer and fetch time', async () => {
    // Arrange
    const client = await signedIn(app);
    const [stale1, stale2, fresh, refetched] = [newFile(app.sim), newFile(app.sim), newFile(app.sim), newFile(app.sim)];
    const inputs = [stale1.sha256, stale2.md5, fresh.sha256, 'not-a-hash', refetched.sha1];
    const id = await uploadHashes(client, inputs);
    await waitForCompleted(app, id);
    // Two answers are old everywhere; one row is old but its file was fetched again since (the cache is fresh).
    await age(app, id, [stale1.sha256, stale2.md5], 2 * HOUR_MS, { cache: true });
    await age(app, id, [refetched.sha1], 2 * HOUR_MS, { cache: false });
    const before = Object.fromEntries((await rows(app, id)).map((r) => [r.input, r]));
    for (const f of [stale1, stale2]) app.sim.addFile({ md5: f.md5, sha1: f.sha1, sha256: f.sha256, malicious: 9 });

    // Act
    const confirm = await client.get(`/reports/${id}/refresh`);
    const mark = app.sim.calls.length;
    const askedAt = Date.now();
    const posted = await client.postForm(`/reports/${id}/refresh`, {});
    await waitForCompleted(app, id);

    // Assert
    assert.equal(confirm.status, 200);
    assert.equal(textOf(confirm.html, 'refresh-cost'), '3 rows have answers older than 1 hour, or failed. 1 of them is answered at once from answers fetched since, at no cost. The rest cost 2 VirusTotal lookups from your quota, one per file.');
    const eta = etaOf(confirm.html);
    assert.ok(eta >= askedAt - 1000 && eta <= askedAt + 60_000, `expected done by ${new Date(eta).toISOString()}`);
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), `/reports/${id}`);
    assert.deepEqual(callsSince(app, mark).sort(), [stale1.sha256, stale2.md5].sort(), 'exactly the stale files were asked about');
    for (const input of [stale1.sha256, stale2.md5]) {
      const row = await rowOf(app, id, input);
      assert.equal(row.malicious, 9, 'the new result');
      assert.ok((row.looked_up_at ?? 0) >= askedAt, 'the new fetch time');
      assert.equal(row.from_cache, 0);
      assert.notEqual(row.answer_id, before[input]?.answer_id, 'the new whole answer');
    }
    assert.deepEqual(await rowOf(app, id, fresh.sha256), before[fresh.sha256], 'a fresh row is left alone');
    assert.deepEqual(await rowOf(app, id, 'not-a-hash'), before['not-a-hash'], 'an invalid line is never looked up');
    const fromCache = await rowOf(app, id, refetched.sha1);
    assert.equal(fromCache.from_cache, 1);
    assert.ok((fromCache.looked_up_at ?? 0) > (before[refetched.sha1]?.looked_up_at ?? 0) + HOUR_MS, 'the fetch time of the cached answer, not of the refresh');
  });

  test('when nothing is older than the TTL, then the confirm page says so and offers no button', async () => {
    // Arrange
    const client = await signedIn(app);
    const id = await uploadHashes(client, [newFile(app.sim).md5]);
    await waitForCompleted(app, id);

    // Act
    const confirm = await client.get(`/reports/${id}/refresh`);

    // Assert
    assert.equal(confirm.status, 200);
    assert.match(textOf(confirm.html, 'refresh-cost') ?? '', /^Nothing to refresh/);
    assert.ok(!confirm.html.includes(`action="/reports/${id}/refresh"`));
  });

  test('when failed rows are refreshed, then they are asked about again', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.failNext(3, '500');
    const id = await uploadHashes(client, [file.sha256]);
    await waitForCompleted(app, id);
    assert.equal((await rowOf(app, id, file.sha256)).status, 'error', 'the lookup gave up');
    const mark = app.sim.calls.length;

    // Act
    const confirm = await client.get(`/reports/${id}/refresh`);
    await client.postForm(`/reports/${id}/refresh`, {});
    await waitForCompleted(app, id);

    // Assert
    assert.match(textOf(confirm.html, 'refresh-cost') ?? '', /^1 row has an answer older than 1 hour, or failed\. The rest cost 1 VirusTotal lookup/);
    assert.deepEqual(callsSince(app, mark), [file.sha256]);
    assert.equal((await rowOf(app, id, file.sha256)).status, 'found');
  });

  test('when a row is force-refreshed inside the TTL, then one call goes out although the cache could answer, and the old answer stays until the new one lands', async (t) => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 3 });
    const id = await uploadHashes(client, [file.md5]);
    await waitForCompleted(app, id);
    const before = await rowOf(app, id, file.md5);
    const itemPath = `/reports/${id}/items/${before.line}`;
    app.sim.addFile({ md5: file.md5, sha1: file.sha1, sha256: file.sha256, malicious: 7 });
    app.sim.setLatency(300);
    t.after(() => app.sim.setLatency(0));

    // Act
    const confirm = await client.get(`${itemPath}/refresh`);
    const mark = app.sim.calls.length;
    const askedAt = Date.now();
    const posted = await client.postForm(`${itemPath}/refresh`, {});
    const waiting = await rowOf(app, id, file.md5);
    const page = await client.get(itemPath);
    await waitForCompleted(app, id);

    // Assert
    assert.match(textOf(confirm.html, 'refresh-cost') ?? '', /1 lookup from your quota/);
    const eta = etaOf(confirm.html);
    assert.ok(eta >= askedAt - 1000 && eta <= askedAt + 60_000);
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), itemPath);
    assert.equal(waiting.status, 'pending', 'the row waits for the new answer');
    assert.equal(waiting.answer_id, before.answer_id, 'and keeps the old one meanwhile');
    assert.equal(waiting.malicious, 3);
    assert.match(page.html, /Being looked up again/);
    assert.deepEqual(callsSince(app, mark), [file.md5], 'one call, not an answer from the cache');
    const after = await rowOf(app, id, file.md5);
    assert.equal(after.malicious, 7);
    assert.equal(after.from_cache, 0);
    assert.ok((after.looked_up_at ?? 0) >= askedAt);
    assert.notEqual(after.answer_id, before.answer_id);
  });

  test('when a forced row waits and another row of the same file is refreshed from the cache, then that older answer does not fill the forced row', async (t) => {
    // Arrange: both names of one file in one report; the MD5 row is past the TTL, the cache entry is not.
    const client = await signedIn(app);
    const file = newFile(app.sim);
    const id = await uploadHashes(client, [file.md5, file.sha256]);
    await waitForCompleted(app, id);
    await age(app, id, [file.md5], 2 * HOUR_MS, { cache: false });
    const forcedPath = `/reports/${id}/items/${(await rowOf(app, id, file.sha256)).line}/refresh`;
    await client.get(forcedPath);
    const token = client.csrfToken();
    app.sim.setLatency(400);
    t.after(() => app.sim.setLatency(0));
    const mark = app.sim.calls.length;

    // Act
    const forcedAt = Date.now();
    await client.postForm(forcedPath, { _csrf: token });
    await client.postForm(`/reports/${id}/refresh`, { _csrf: token });
    const whileWaiting = await rowOf(app, id, file.sha256);
    await waitForCompleted(app, id);

    // Assert
    assert.equal((await rowOf(app, id, file.md5)).from_cache, 1, 'the stale row took the cached answer');
    assert.equal(whileWaiting.status, 'pending', 'the forced row did not');
    assert.deepEqual(callsSince(app, mark), [file.sha256]);
    const forced = await rowOf(app, id, file.sha256);
    assert.equal(forced.from_cache, 0);
    assert.ok((forced.looked_up_at ?? 0) >= forcedAt);
  });

  test('when two users force-refresh the same file at once, then VirusTotal is asked once and both rows get that answer', async (t) => {
    // Arrange
    const a = await signedIn(app);
    const b = await signedIn(app);
    const file = newFile(app.sim);
    const first = await uploadHashes(a, [file.sha256]);
    await waitForCompleted(app, first);
    const second = await uploadHashes(b, [file.sha256]);
    const paths = await Promise.all([a, b].map(async (_, i) => `/reports/${[first, second][i]}/items/${(await rowOf(app, [first, second][i] ?? '', file.sha256)).line}/refresh`));
    const tokens = await Promise.all([a, b].map(async (c, i) => (await c.get(paths[i] ?? ''), c.csrfToken())));
    app.sim.setLatency(300);
    t.after(() => app.sim.setLatency(0));
    const mark = app.sim.calls.length;

    // Act
    const askedAt = Date.now();
    await Promise.all([a, b].map((c, i) => c.postForm(paths[i] ?? '', { _csrf: tokens[i] ?? '' })));
    await waitForCompleted(app, first);
    await waitForCompleted(app, second);

    // Assert
    assert.deepEqual(callsSince(app, mark), [file.sha256], 'single flight');
    const [rowA, rowB] = [await rowOf(app, first, file.sha256), await rowOf(app, second, file.sha256)];
    assert.ok((rowA.looked_up_at ?? 0) >= askedAt);
    assert.equal(rowA.looked_up_at, rowB.looked_up_at, 'the one answer');
    assert.equal(rowA.answer_id, rowB.answer_id);
  });

  test('when an invalid line is force-refreshed, then the page says it is never looked up and the POST changes nothing', async () => {
    // Arrange
    const client = await signedIn(app);
    const id = await uploadHashes(client, [newFile(app.sim).md5, 'nonsense']);
    await waitForCompleted(app, id);
    const invalid = await rowOf(app, id, 'nonsense');
    const path = `/reports/${id}/items/${invalid.line}/refresh`;
    const mark = app.sim.calls.length;

    // Act
    const confirm = await client.get(path);
    const posted = await client.postForm(path, {});

    // Assert
    assert.match(textOf(confirm.html, 'refresh-cost') ?? '', /is not a hash, so it is never looked up/);
    assert.ok(!confirm.html.includes(`action="${path}"`));
    assert.equal(posted.status, 303);
    assert.deepEqual(await rowOf(app, id, 'nonsense'), invalid);
    assert.equal(await stateOf(app, id), 'completed');
    assert.deepEqual(callsSince(app, mark), []);
  });

  test('when a report is re-run, then a new report has the same name with "(re-run)" and the same lines, cached rows answered at once', async () => {
    // Arrange
    const client = await signedIn(app);
    const [one, two] = [newFile(app.sim), newFile(app.sim)];
    const name = `Weekly sweep ${hex(3)}`;
    const id = await uploadHashes(client, [one.sha256, '', 'not a hash', two.md5.toUpperCase(), one.sha256], name);
    await waitForCompleted(app, id);
    const mark = app.sim.calls.length;

    // Act
    const posted = await client.postForm(`/reports/${id}/rerun`, {}, `/reports/${id}/items/${(await rowOf(app, id, 'not a hash')).line}`);
    const rerun = reportIdFrom(posted);

    // Assert
    assert.notEqual(rerun, id);
    const report = (await app.db.row('SELECT name, state FROM reports WHERE id = ?', rerun)) as { name: string; state: string };
    assert.deepEqual(report, { name: `${name} (re-run)`, state: 'completed' }, 'complete at once from the cache');
    const lines = async (r: string) => (await rows(app, r)).map(({ line, input, status, verdict }) => ({ line, input, status, verdict }));
    assert.deepEqual(await lines(rerun), await lines(id));
    assert.deepEqual((await rows(app, rerun)).map((r) => r.from_cache), [1, null, 1]);
    assert.deepEqual(callsSince(app, mark), []);
  });

  test('when another user asks, or a form comes without the owner\'s token, then 404 or 403 and nothing changes', async () => {
    // Arrange
    const owner = await signedIn(app);
    const other = await signedIn(app);
    const file = newFile(app.sim);
    const id = await uploadHashes(owner, [file.sha256]);
    await waitForCompleted(app, id);
    await age(app, id, [file.sha256], 2 * HOUR_MS, { cache: true });
    const item = await rowOf(app, id, file.sha256);
    const posts = [`/reports/${id}/refresh`, `/reports/${id}/items/${item.line}/refresh`, `/reports/${id}/rerun`];
    const reportCount = async () => ((await app.db.row('SELECT count(*) AS n FROM reports')) as { n: number }).n;
    const reportsBefore = await reportCount();
    const mark = app.sim.calls.length;
    await other.get('/reports/new');
    const othersToken = other.csrfToken();

    // Act
    const pages = await Promise.all([`/reports/${id}/refresh`, `/reports/${id}/items/${item.line}/refresh`].map((p) => other.get(p)));
    const foreign = [];
    for (const path of posts) foreign.push(await other.postForm(path, {}, '/reports/new'));
    const forged = [];
    for (const path of posts) {
      forged.push(await owner.postForm(path, { _csrf: othersToken }));
      forged.push(await owner.postForm(path, { _csrf: '' }));
    }
    await appIdle(app);

    // Assert
    assert.deepEqual(pages.map((p) => p.status), [404, 404]);
    assert.deepEqual(foreign.map((p) => p.status), [404, 404, 404]);
    assert.deepEqual(forged.map((p) => p.status), [403, 403, 403, 403, 403, 403]);
    for (const page of [...pages, ...foreign]) assert.ok(!page.html.includes(file.sha256));
    assert.deepEqual(await rowOf(app, id, file.sha256), item);
    assert.equal(await reportCount(), reportsBefore);
    assert.deepEqual(callsSince(app, mark), []);
  });
});

describe('refresh within a small quota', () => {
  const PER_WINDOW = 4;
  const app = appSuite({ minuteMs: 1000, simKey: { perMinute: PER_WINDOW, perDay: 10_000 }, env: { ...TTL_ENV, VT_RATE_PER_MINUTE: String(PER_WINDOW), VT_RATE_PER_DAY: '10000' } });

  test('when a refresh needs more calls than a window allows, then the confirm page says it takes windows and no call is refused', async () => {
    // Arrange
    const client = await signedIn(app);
    const hashes = Array.from({ length: 10 }, () => hex(32));
    const id = await uploadHashes(client, hashes);
    await waitForCompleted(app, id);
    await age(app, id, hashes, 2 * HOUR_MS, { cache: true });
    await sleep(1100); // the upload's calls leave the window

    // Act
    const confirm = await client.get(`/reports/${id}/refresh`);
    const askedAt = Date.now();
    const mark = app.sim.calls.length;
    await client.postForm(`/reports/${id}/refresh`, {});
    await waitForCompleted(app, id);
    const tookMs = Date.now() - askedAt;

    // Assert
    assert.match(textOf(confirm.html, 'refresh-cost') ?? '', /10 VirusTotal lookups/);
    // 4 now, 4 a window later, 2 the window after: the last goes two windows on.
    const eta = etaOf(confirm.html);
    assert.ok(eta - askedAt >= 1500 && eta - askedAt <= 3000, `expected done ${eta - askedAt} ms on`);
    assert.equal(callsSince(app, mark).length, 10);
    assert.equal(app.sim.quotaRejections(), 0, 'the limiter kept to the quota');
    assert.ok(tookMs >= 1900, `paced over windows (${tookMs} ms)`);
  });
});

describe('refresh and the completion email', () => {
  const app = appSuite({ mail: true, env: TTL_ENV });

  test('when a completed report with an email is refreshed, then the email goes again only when asked for', async () => {
    // Arrange
    const email = uniqueEmail('refreshed');
    const client: HttpClient = await signedIn(app, email);
    const file = newFile(app.sim);
    const id = reportIdFrom(await client.upload({ hashes: file.md5, name: 'Mailed', notify: true }));
    await waitFor(async () => mailsTo(app, email).length === 1, 'the first email', 10_000);

    // Act: a refresh without the box, then one with it.
    await age(app, id, [file.md5], 2 * HOUR_MS, { cache: true });
    const confirm = await client.get(`/reports/${id}/refresh`);
    await client.postForm(`/reports/${id}/refresh`, {});
    await waitForCompleted(app, id);
    await appIdle(app);
    const afterQuiet = mailsTo(app, email).length;
    await age(app, id, [file.md5], 2 * HOUR_MS, { cache: true });
    await client.postForm(`/reports/${id}/refresh`, { notify: 'on' }, `/reports/${id}/refresh`);
    await waitFor(async () => mailsTo(app, email).length === 2, 'the asked-for email', 10_000);

    // Assert
    assert.match(confirm.html, /<input type="checkbox" name="notify"/);
    assert.equal(afterQuiet, 1, 'no second email unless asked for');
    assert.equal(mailsTo(app, email).length, 2);
  });
});
