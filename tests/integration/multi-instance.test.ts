import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { exportJson, TEST_KEY, waitFor, waitForCompletion } from '../helpers/test-app.js';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';
import { startChildApp, type ChildApp } from '../helpers/child-app.js';
import { confirmAddress, hex } from '../helpers/factories.js';
import { assertRowMatchesFake, fileKey } from '../helpers/fake-answers.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { recipient } from '../helpers/page.js';
import { postgresDatabaseFor } from '../helpers/throwaway-postgres.js';
import { startVtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { DISPATCHER_LOCK_KEY } from '../../src/shared/advisory-leadership.js';
import { CONFIRM_EMAIL_SUBJECT } from '../../src/mail/confirmation-emails.js';

// Several app processes on one PostgreSQL database, behind no load balancer but the test's own
// spreading of users: sessions and CSRF tokens work on any instance, one instance sends lookups, and
// killing it (twice) loses nothing, asks no file more often than the kills explain, and never
// exceeds the key's quota.

const APP_URL = 'http://reports.example.test';

async function query<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** The process id of the instance holding the dispatcher lock (its connection names it), or null. */
async function leaderPid(url: string): Promise<number | null> {
  const rows = await query<{ name: string }>(
    url,
    "SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted",
    [DISPATCHER_LOCK_KEY],
  );
  const pid = /hash-report-leadership-(\d+)/.exec(rows[0]?.name ?? '')?.[1];
  return pid ? Number(pid) : null;
}

/** Registers on `client`'s instance, confirms the address from the email, signs in. */
async function confirmedUser(client: HttpClient, smtp: SmtpCapture | null): Promise<string> {
  const email = uniqueEmail('multi');
  const registered = await client.register(email);
  if (!smtp) {
    assert.equal(registered.status, 303);
    return email;
  }
  const mail = await smtp.take((m) => recipient(m) === email && m.subject === CONFIRM_EMAIL_SUBJECT);
  const link = /(https?:\/\/\S+\/confirm-email\?token=[\w%-]+)/.exec(mail.text ?? '')?.[1] ?? '';
  assert.equal((await confirmAddress(client, link)).status, 303);
  assert.equal((await client.login(email)).status, 303);
  return email;
}

async function instances(n: number, url: string, vtUrl: string, dir: string, env: Record<string, string>, tuning: { pollMs?: number; rateWindowMs?: number } = {}): Promise<ChildApp[]> {
  const apps: ChildApp[] = [];
  // One at a time: the first applies the migrations, the others find them applied.
  for (let i = 0; i < n; i++) {
    apps.push(await startChildApp(join(dir, `unused-${i}.sqlite`), vtUrl, { env: { DATABASE_URL: url, ...env }, tuning: { leadershipRetryMs: 500, ...tuning }, startTimeoutMs: 30_000 }));
  }
  return apps;
}

test('when a user signs in on one instance, then the session and its CSRF token work on another, and work queued on a follower wakes the dispatcher', async (t) => {
  // Arrange
  const url = await postgresDatabaseFor(t);
  const sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 1000, perDay: 100_000 } }, minuteMs: 1000 });
  t.after(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-multi-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The dispatcher never polls for work here: only a follower's NOTIFY can wake it.
  const [a, b] = await instances(2, url, sim.url, dir, {}, { pollMs: 600_000 });
  t.after(() => Promise.all([a?.kill(), b?.kill()]));
  const onA = new HttpClient(a?.url ?? '');
  await confirmedUser(onA, null);
  await onA.get('/reports/new');
  const token = onA.csrfToken();

  // Act
  const onB = onA.on(b?.url ?? '');
  const page = await onB.get('/reports');
  const upload = await onB.upload({ hashes: hex(32), name: 'From B', _csrf: token });
  const forged = await onB.upload({ hashes: hex(32), _csrf: 'not-the-token' });
  const leader = await waitFor(() => leaderPid(url), 'a leader');
  const follower = [a, b].find((app) => app?.process.pid !== leader);
  const queued = hex(32);
  const fromFollower = onA.on(follower?.url ?? '');
  await fromFollower.get('/reports/new');
  const report = (await fromFollower.upload({ hashes: queued })).headers.get('location') ?? '';
  await waitForCompletion(fromFollower, report.split('/').pop() ?? '', 10_000);

  // Assert
  assert.equal(page.status, 200, 'B knows the session A started');
  assert.match(page.html, /Sign out|Log out/i);
  assert.equal(upload.status, 303, "B accepts the token A's form carried");
  assert.equal(forged.status, 403, 'and still refuses a wrong one');
  assert.ok(follower, 'one of the two follows');
  assert.equal(sim.callsFor(queued), 1, "the follower's upload reached VirusTotal through the dispatcher, once");
});

test('when the instance sending lookups is killed, and later another, then every report completes once, the quota holds and one email goes per report', async (t) => {
  // Arrange: three instances, one fake VirusTotal (60 calls a 3 s "minute", 100 ms an answer), one SMTP
  // capture. The window outlasts a takeover, so a new leader that forgot its predecessor's calls would go over.
  const url = await postgresDatabaseFor(t);
  const sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 60, perDay: 100_000 } }, minuteMs: 3000, generate: true });
  t.after(() => sim.close());
  sim.setLatency(100);
  const smtp = await startSmtpCapture();
  t.after(() => smtp.close());
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-multi-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const apps = await instances(3, url, sim.url, dir, { VT_RATE_PER_MINUTE: '60', SMTP_URL: smtp.url, APP_URL }, { rateWindowMs: 3000 });
  t.after(() => Promise.all(apps.map((app) => app.kill())));
  const users = await Promise.all(
    apps.map(async (app) => {
      const client = new HttpClient(app.url);
      await confirmedUser(client, smtp);
      return client;
    }),
  );
  const uploads: { client: HttpClient; id: string; hashes: string[] }[] = [];
  const upload = async (client: HttpClient, hashes: string[]) => {
    const response = await client.upload({ hashes: hashes.join('\n'), notify: true });
    assert.equal(response.status, 303, response.html.slice(0, 200));
    uploads.push({ client, id: (response.headers.get('location') ?? '').split('/').pop() ?? '', hashes });
  };
  const shared = Array.from({ length: 10 }, () => hex(32));
  for (const [i, user] of users.entries()) await upload(user, [...Array.from({ length: 60 }, () => hex([16, 20, 32][i] ?? 32)), ...shared]);

  // Act: kill whoever sends lookups while they run, twice
  const kills: { leased: string[]; at: number; electedMs: number }[] = [];
  const alive = [...apps];
  for (let k = 0; k < 2; k++) {
    const callsBefore = sim.calls.length;
    await waitFor(async () => sim.calls.length >= callsBefore + 20, 'lookups to run', 30_000);
    const pid = await waitFor(() => leaderPid(url), 'a leader', 10_000);
    const leader = alive.find((app) => app.process.pid === pid);
    assert.ok(leader, `the leader (${pid}) is one of the live instances`);
    await leader.kill();
    const at = Date.now();
    const leased = await query<{ hash: string }>(url, "SELECT hash FROM lookup_jobs WHERE state = 'leased'");
    alive.splice(alive.indexOf(leader), 1);
    await waitFor(async () => {
      const next = await leaderPid(url);
      return next !== null && next !== pid;
    }, 'another instance to lead', 10_000);
    kills.push({ leased: leased.map((r) => r.hash), at, electedMs: Date.now() - at });
  }
  // Users whose instance died go on through a live one, as a load balancer would send them.
  const survivor = alive[0];
  assert.ok(survivor);
  for (const u of uploads) await waitForCompletion(u.client.on(survivor.url), u.id, 60_000);
  const reports = await Promise.all(uploads.map((u) => exportJson(u.client.on(survivor.url), u.id)));
  await waitFor(async () => (await query(url, "SELECT id FROM reports WHERE email_status = 'pending'")).length === 0, 'every email to be sent', 30_000);

  // Assert
  for (const [i, report] of reports.entries()) {
    assert.equal(report.status, 'completed');
    assert.deepEqual(report.items.map((item) => item.input), uploads[i]?.hashes, 'one row per uploaded line');
    for (const item of report.items) assertRowMatchesFake(sim, item);
  }
  assert.equal(sim.quotaRejections(), 0, 'the key never went over its quota, whichever instance sent');
  const [logged] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM vt_calls');
  assert.ok(Number(logged?.n) >= sim.calls.length, `${logged?.n} calls in the log, ${sim.calls.length} seen by the fake: each was written before it was sent`);
  const files = new Set(uploads.flatMap((u) => u.hashes).map((h) => fileKey(sim, h)));
  const answered = sim.calls.filter((c) => c.hash !== undefined && !c.fault && !c.quotaRejected);
  const leasedAtKills = kills.reduce((n, k) => n + k.leased.length, 0);
  t.diagnostic(`${answered.length} calls for ${files.size} files; ${leasedAtKills} lookups in flight at the kills`);
  for (const kill of kills) {
    const resumed = Math.min(...sim.calls.filter((c) => c.at > kill.at).map((c) => c.at)) - kill.at;
    t.diagnostic(`kill: new leader seen after ${kill.electedMs} ms, next call to VirusTotal after ${resumed} ms`);
  }
  assert.ok(answered.length - files.size <= leasedAtKills, `${answered.length - files.size} repeated calls, ${leasedAtKills} in flight at the kills`);
  const readyMails = smtp.messages.filter((m) => m.subject !== CONFIRM_EMAIL_SUBJECT);
  for (const u of uploads) {
    assert.equal(readyMails.filter((m) => (m.text ?? '').includes(`/reports/${u.id}`)).length, 1, `one email for report ${u.id}`);
  }
  assert.equal(readyMails.length, uploads.length);
});
