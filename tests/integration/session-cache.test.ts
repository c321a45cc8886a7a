import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportIdFrom, sameDatabase, startTestApp } from '../helpers/test-app.js';
import { hex, signedIn, sleep } from '../helpers/factories.js';
import { sessionRow, sidOf } from '../helpers/page.js';
import { uniqueEmail } from '../helpers/http-client.js';
import type { SessionData } from 'express-session';
import { DatabaseSessionStore, SESSION_CACHE_MS } from '../../src/web/session-store.js';
import { openDatabase } from '../../src/shared/database.js';

// Issue 14: each instance keeps what it read of a session row for SESSION_CACHE_MS (SECURITY.md,
// "Session caching"), and a plain page view writes nothing. Two apps on one database stand for two
// instances behind a load balancer; the browser's cookie jar is shared between them.

const COOKIE = 'hash_report.sid';

async function twoInstances(t: { after(fn: () => Promise<void>): void }) {
  const a = await startTestApp();
  const b = await startTestApp({ ...sameDatabase(a), sim: a.sim });
  t.after(async () => {
    await b.stop();
    await a.stop();
  });
  return { a, b };
}

test('when a user signs out on one instance, then another instance that had read the session ends it within SESSION_CACHE_MS, and refuses its form posts at once', async (t) => {
  // Arrange: signed in on A, a report, and a page on B (B now holds a copy of the session, and the page's CSRF token)
  const { a, b } = await twoInstances(t);
  const onA = await signedIn(a);
  const id = reportIdFrom(await onA.upload({ hashes: hex(32) }));
  const onB = onA.on(b.url);
  const page = await onB.get(`/reports/${id}`);
  assert.equal(page.status, 200);
  const token = onB.csrfToken();
  const cookie = onA.cookie(COOKIE) ?? '';

  // Act: sign out on A
  assert.equal((await onA.postForm('/logout', {}, '/reports')).status, 303);
  const signedOutAt = Date.now();

  // Assert: a form post on B reads the row itself, so the dead session's token deletes nothing
  const replay = (path: string, init: RequestInit = {}) => fetch(new URL(path, b.url), { ...init, redirect: 'manual', headers: { ...init.headers, cookie: `${COOKIE}=${cookie}` } });
  const post = await replay(`/reports/${id}/delete`, { method: 'POST', body: new URLSearchParams({ _csrf: token }) });
  assert.notEqual(post.status, 303, 'a post with the signed-out session was carried out');
  assert.ok(await a.db.row('SELECT id FROM reports WHERE id = ?', id), 'the report was deleted through a signed-out session');
  // ...and once the bound has passed, pages on B are no longer served to it
  await sleep(signedOutAt + SESSION_CACHE_MS + 100 - Date.now());
  const later = await replay(`/reports/${id}`);
  assert.equal(later.status, 303);
  assert.match(later.headers.get('location') ?? '', /^\/login\?next=/);
});

test('when a signed-in user views pages, then the session row is not rewritten, while the cookie\'s expiry moves on with each response', async (t) => {
  // Arrange
  const { a } = await twoInstances(t);
  const client = await signedIn(a);
  await client.get('/reports');
  const sid = sidOf(client.cookie(COOKIE));
  const before = await sessionRow(a, sid);
  assert.ok(before, 'no session row');

  // Act: plain page views, a little apart
  const expiries: number[] = [];
  for (let i = 0; i < 3; i++) {
    await sleep(1100);
    const response = await client.request('/reports');
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    const expires = /Expires=([^;]+)/i.exec(response.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`)) ?? '')?.[1];
    assert.ok(expires, 'the response rolls the cookie');
    expiries.push(Date.parse(expires));
  }

  // Assert
  const after = await sessionRow(a, sid);
  assert.equal(after?.sess, before.sess, 'the session row was rewritten by a page view');
  assert.equal(Number(after?.expires), Number(before.expires), 'the session row was touched by a page view');
  assert.ok(expiries[0]! < expiries[1]! && expiries[1]! < expiries[2]!, `the cookie's expiry did not roll: ${expiries.join(', ')}`);
});

test('when another instance signed a session out, then a change saved from this instance\'s copy does not bring it back', async (t) => {
  // Arrange: a signed-in session, and a second instance's store that has read it
  const { a } = await twoInstances(t);
  const client = await signedIn(a);
  await client.get('/reports');
  const sid = sidOf(client.cookie(COOKIE));
  const { db, close } = openDatabase(a.databaseUrl ?? a.databasePath);
  t.after(close);
  const store = new DatabaseSessionStore(db);
  const copy = await new Promise<SessionData | null | undefined>((resolve, reject) => store.get(sid, (err, sess) => (err ? reject(err) : resolve(sess))));
  assert.ok(copy?.userId, 'the store did not read the signed-in session');

  // Act: the row goes (a sign-out on the first instance), then the copy is saved changed, as a page view does once a minute
  await a.db.run('DELETE FROM sessions WHERE sid = ?', sid);
  await new Promise<void>((resolve, reject) => store.set(sid, { ...copy, lastSeenAt: Date.now() }, (err) => (err ? reject(err) : resolve())));

  // Assert
  assert.equal(await sessionRow(a, sid), undefined, 'the signed-out session was written back');
});

test('when the sign-in form is opened on one instance and sent to another, then it signs in: its token is stored nowhere, and each instance verifies the other\'s', async (t) => {
  // Arrange
  const { a, b } = await twoInstances(t);
  const email = uniqueEmail('two-instances');
  assert.equal((await a.client().register(email)).status, 303);
  const onA = a.client();
  const token = onA.csrfToken((await onA.get('/login')).html);
  const rowsBefore = (await a.db.row<{ n: number }>('SELECT count(*) AS n FROM sessions'))?.n;

  // Act
  const onB = onA.on(b.url);
  const response = await onB.postForm('/login', { _csrf: token, email, password: 'correct horse battery' });

  // Assert
  assert.equal(response.status, 303);
  assert.equal((await onA.get('/reports')).status, 200);
  assert.equal((await a.db.row<{ n: number }>('SELECT count(*) AS n FROM sessions'))?.n, (rowsBefore ?? 0) + 1);
});
