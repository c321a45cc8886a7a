import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';
import { confirmAddress, uploadHashes } from '../helpers/factories.js';
import { waitFor, waitForCompletion } from '../helpers/test-app.js';
import { run } from '../helpers/cli.js';
import { CONFIRM_EMAIL_SUBJECT } from '../../src/mail/confirmation-emails.js';

// `npm run demo` as a user starts it (its own process, its simulator, its mail sink), with short
// timings from the environment: the feed answers a value it published, and a watched report whose
// file the simulator turns malicious gets its change email as an .eml file in the mail folder.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Demo {
  url: string;
  flipMd5: string;
  feedDomain: string;
}

function startDemo(dir: string, t: { after(fn: () => unknown): void }): Promise<Demo> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DEMO_DATABASE_PATH: join(dir, 'demo.sqlite'),
      DEMO_MAIL_DIR: join(dir, 'mail'),
      DEMO_FLIP_AFTER_SECONDS: '0',
      // 1.8 s between re-checks: the change arrives at the first one after the feed publishes it.
      WATCH_RECHECK_HOURS: '0.0005',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<Demo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no banner: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}): ${stderr}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /Hash Report DEMO: (\S+)/.exec(stdout)?.[1];
      const flipMd5 = /upload ([0-9a-f]{32}) \(clean for now\)/.exec(stdout)?.[1];
      const feedDomain = /domains: (\S+)/.exec(stdout)?.[1];
      if (url && flipMd5 && feedDomain && /DATABASE_PATH=/.test(stdout)) {
        clearTimeout(timer);
        resolve({ url, flipMd5, feedDomain });
      }
    });
  });
}

/** The messages the sink wrote so far, parsed, with their file's mode. */
async function mailIn(folder: string): Promise<Array<{ mail: ParsedMail; mode: number }>> {
  const files = (() => {
    try {
      return readdirSync(folder).filter((f) => f.endsWith('.eml'));
    } catch {
      return [];
    }
  })();
  return Promise.all(files.map(async (f) => ({ mail: await simpleParser(readFileSync(join(folder, f))), mode: statSync(join(folder, f)).mode & 0o777 })));
}

test('when the demo runs, then a feed value is answered from the feed and a watched report gets its change email as a file', async (t) => {
  // Arrange: the demo on a temporary database and mail folder; an analyst registers through the emailed link.
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const folder = join(dir, 'mail');
  const demo = await startDemo(dir, t);
  const client = new HttpClient(demo.url);
  const email = uniqueEmail('demo');
  assert.equal((await client.register(email)).status, 200);
  const confirmation = await waitFor(async () => (await mailIn(folder)).find((m) => m.mail.subject === CONFIRM_EMAIL_SUBJECT), 'the confirmation email in the mail folder', 15_000);
  assert.equal(confirmation.mode, 0o600, 'an emailed sign-in link is readable by its owner only');
  const link = /(https?:\/\/\S+\/confirm-email\?token=[\w%-]+)/.exec(confirmation.mail.text ?? '')?.[1];
  assert.ok(link, 'a confirmation link in the email');
  assert.equal((await confirmAddress(client, link)).status, 303);
  assert.equal((await client.login(email)).status, 303);

  // Act + Assert (feed panel): made admin the way the banner says, the analyst sees each feed reading, with objects.
  const grant = await run(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'grant', email], { DATABASE_PATH: join(dir, 'demo.sqlite') });
  assert.equal(grant.code, 0, grant.output);
  const panel = await waitFor(async () => {
    const { html } = await client.get('/admin');
    const rows = ['files', 'domains', 'ip_addresses'].map((feed) => new RegExp(`data-feed="${feed}">[\\s\\S]*?<td>(\\d+)</td>(?:(?!</tr>)[\\s\\S])*?<td>reading`).exec(html));
    return rows.every((r) => r && Number(r[1]) > 0) ? rows : null;
  }, 'every demo feed on /admin, reading, with objects today', 30_000);
  assert.equal(panel.length, 3);

  // Act + Assert (feed): the domain the banner names comes back from the feed.
  const feedReport = await uploadHashes(client, [demo.feedDomain], 'feed value');
  await waitForCompletion(client, feedReport, 30_000);
  const feedPage = await client.get(`/reports/${feedReport}`);
  assert.match(feedPage.html, /from feed ·/, 'the row is answered from the feed, not looked up');

  // Act (watch): the banner's file, clean at first, watched; the simulator turns it malicious.
  const watched = await uploadHashes(client, [demo.flipMd5], 'watched');
  await waitForCompletion(client, watched, 30_000);
  const before = await client.get(`/reports/${watched}`);
  assert.doesNotMatch(before.html, /W32\/Agent\.DEMO!tr/, 'clean before the change');
  assert.equal((await client.postForm(`/reports/${watched}/watch`, {}, `/reports/${watched}`)).status, 303);

  // Assert: one change email, as a file, naming the report and the new detection.
  const change = await waitFor(async () => (await mailIn(folder)).find((m) => m.mail.subject?.startsWith('Watched report changed: watched')), 'the change email in the mail folder', 90_000);
  assert.equal(change.mode, 0o600);
  assert.equal((change.mail.to && !Array.isArray(change.mail.to) ? change.mail.to.value[0]?.address : null), email);
  assert.match(change.mail.text ?? '', new RegExp(demo.flipMd5));
  assert.match(change.mail.text ?? '', /malicious/i);
});
