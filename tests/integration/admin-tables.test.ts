/**
 * Issue 16's dense tables on /admin: the users, the queue and the keys sort by a click on a column
 * header (a plain link; a second click reverses), show 50, 100 or 500 rows a page with a pager above
 * and below, keep every other table's order and page, and take any edited link without a 500.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appSuite } from '../helpers/app-suite.js';
import { textOf } from '../helpers/page.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { adminClient, hex, signedIn, uploadHashes, workingKey } from '../helpers/factories.js';

// ------------------------------------------------------------------ reading the page

function section(html: string, id: string): string {
  const match = new RegExp(`<section id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(html);
  assert.ok(match?.[1], `no section #${id} on the page`);
  return match[1];
}

const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

/** The addresses of the users table, top to bottom. */
const userEmails = (html: string) => [...section(html, 'admin-users').matchAll(/<tr data-user-id="\d+">\s*<td>([^<]*)<\/td>/g)].map((m) => decode(m[1] ?? ''));

/** The link of a sortable column header, as a path the client can follow (the fragment is the browser's). */
function headerLink(html: string, sectionId: string, label: string): string {
  const href = new RegExp(`<a class="sort" href="([^"]*)">${label}[ <]`).exec(section(html, sectionId))?.[1];
  assert.ok(href, `no sort link for ${label} in #${sectionId}`);
  return `/admin${decode(href).replace(/#.*$/, '')}`;
}

/** The header marked as the table's order: its label and direction. */
function sortedBy(html: string, sectionId: string): string {
  const headers = [...section(html, sectionId).matchAll(/<th scope="col"[^>]*aria-sort="(\w+)"><a class="sort" href="[^"]*">([^<]+)</g)];
  return headers.map((m) => `${m[2]?.trim()} ${m[1]}`).join(', ');
}

/** Each pager's text for one table, above then below. */
function pagers(html: string, sectionId: string): string[] {
  return [...section(html, sectionId).matchAll(/<nav class="pager" aria-label="[^"]*">([\s\S]*?)<\/nav>/g)].map((m) => textOf(m[1] ?? ''));
}

/** The page-size links and which is current. */
function pageSizes(html: string, sectionId: string): string {
  const sizes = /<p class="page-size">([\s\S]*?)<\/p>/.exec(section(html, sectionId))?.[1] ?? '';
  return [...sizes.matchAll(/<a( aria-current="true")? href="[^"]*">(\d+)<\/a>/g)].map((m) => (m[1] ? `[${m[2]}]` : m[2])).join(' ');
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ------------------------------------------------------------------ the users table

describe('the users table on /admin, with 61 accounts', () => {
  const app = appSuite();
  let admin: HttpClient;
  /** Every account, oldest first: what the default order shows. */
  let everyone: Array<{ email: string; created: number; disabled: number | null }>;
  const tag = hex(6);

  before(async () => {
    admin = await adminClient(app, uniqueEmail('admin'));
    // Accounts written straight to the table: registering 60 through the form would spend the
    // test's time on password hashing. Their addresses are in another order than their ages.
    const day = 24 * 60 * 60 * 1000;
    const base = Date.now() - 30 * day;
    const rows = Array.from({ length: 60 }, (_, i) => ({
      email: `u${String((i * 37) % 60).padStart(2, '0')}-${tag}@example.test`,
      password_hash: 'not-a-hash',
      created_at: base + i * day,
      // Three disabled, at different times: the newest is the 10th account.
      disabled_at: i === 3 ? base + 40 * day : i === 9 ? base + 50 * day : i === 20 ? base + 45 * day : null,
    }));
    await app.runtime.database.db.insertInto('users').values(rows).execute();
    const all = await app.runtime.database.db.selectFrom('users').select(['email', 'created_at', 'disabled_at']).execute();
    everyone = all
      .map((u) => ({ email: u.email, created: Number(u.created_at), disabled: u.disabled_at == null ? null : Number(u.disabled_at) }))
      .sort((a, b) => a.created - b.created);
  });

  test('when the admin opens /admin, then the users are oldest first, 50 a page, with a pager above and below', async () => {
    // Act
    const page = await admin.get('/admin');

    // Assert
    assert.equal(page.status, 200);
    assert.equal(everyone.length, 61);
    assert.deepEqual(userEmails(page.html), everyone.slice(0, 50).map((u) => u.email));
    assert.equal(sortedBy(page.html, 'admin-users'), 'Created ascending');
    assert.deepEqual(pagers(page.html, 'admin-users'), ['Page 1 of 2 Next →', 'Page 1 of 2 Next →']);
    assert.equal(pageSizes(page.html, 'admin-users'), '[50] 100 500');
    assert.match(section(page.html, 'admin-users'), /<nav class="pager" aria-label="Users pages, above the table">/);
    assert.match(section(page.html, 'admin-users'), /<nav class="pager" aria-label="Users pages, below the table">/);
  });

  test('when the admin clicks Email and then Email again, then the users are A to Z, then Z to A', async () => {
    // Arrange
    const emails = everyone.map((u) => u.email).sort(byteOrder);
    const first = await admin.get('/admin');

    // Act
    const ascending = await admin.get(headerLink(first.html, 'admin-users', 'Email'));
    const descending = await admin.get(headerLink(ascending.html, 'admin-users', 'Email'));

    // Assert
    assert.equal(headerLink(first.html, 'admin-users', 'Email'), '/admin?users_sort=email');
    assert.deepEqual(userEmails(ascending.html), emails.slice(0, 50));
    assert.equal(sortedBy(ascending.html, 'admin-users'), 'Email ascending');
    assert.match(section(ascending.html, 'admin-users'), /Email <span class="arrow" aria-hidden="true">▲<\/span><span class="visually-hidden">\(sorted: A to Z; select for Z to A\)<\/span>/);
    assert.equal(headerLink(ascending.html, 'admin-users', 'Email'), '/admin?users_sort=email&users_dir=desc');
    assert.deepEqual(userEmails(descending.html), [...emails].reverse().slice(0, 50));
    assert.equal(sortedBy(descending.html, 'admin-users'), 'Email descending');
  });

  test('when the admin sorts by state, then disabled accounts come first, the latest disabled at the top', async () => {
    // Act
    const page = await admin.get(headerLink((await admin.get('/admin')).html, 'admin-users', 'State'));

    // Assert
    const disabled = everyone.filter((u) => u.disabled !== null).sort((a, b) => (b.disabled ?? 0) - (a.disabled ?? 0));
    assert.equal(disabled.length, 3);
    assert.deepEqual(userEmails(page.html).slice(0, 3), disabled.map((u) => u.email));
    const states = [...section(page.html, 'admin-users').matchAll(/<td>(active|disabled since [^<]*)<\/td>/g)].map((m) => (m[1] ?? '').split(' ')[0]);
    assert.deepEqual(states, [...Array(3).fill('disabled'), ...Array(47).fill('active')]);
    assert.equal(sortedBy(page.html, 'admin-users'), 'State descending');
    assert.match(textOf(section(page.html, 'admin-users')), /disabled since/);
  });

  test('when the admin picks 100 a page, then every account shows on one page without a pager; page 2 of 50 shows the rest', async () => {
    // Arrange
    const first = await admin.get('/admin?users_sort=email');
    const hundred = /<p class="page-size">[\s\S]*?<a href="([^"]*)">100<\/a>/.exec(section(first.html, 'admin-users'))?.[1] ?? '';

    // Act
    const all = await admin.get(`/admin${decode(hundred).replace(/#.*$/, '')}`);
    const second = await admin.get('/admin?users_sort=email&users_page=2');

    // Assert: the size link keeps the order and starts from the first page.
    assert.equal(decode(hundred), '?users_sort=email&users_per=100#admin-users');
    assert.equal(userEmails(all.html).length, 61);
    assert.deepEqual(pagers(all.html, 'admin-users'), []);
    assert.equal(pageSizes(all.html, 'admin-users'), '50 [100] 500');
    const emails = everyone.map((u) => u.email).sort(byteOrder);
    assert.deepEqual(userEmails(second.html), emails.slice(50));
    assert.deepEqual(pagers(second.html, 'admin-users'), ['← Previous Page 2 of 2', '← Previous Page 2 of 2']);
    assert.match(section(second.html, 'admin-users'), /<a href="\?users_sort=email#admin-users" rel="prev">/);
  });

  test('when a link is edited (unknown column, direction, size or page, repeated or bracketed values), then the page shows the nearest sensible view, never an error', async () => {
    // Arrange
    const defaults = userEmails((await admin.get('/admin')).html);
    const odd = [
      '/admin?users_sort=password_hash',
      '/admin?users_sort=email%20desc&users_dir=sideways',
      '/admin?users_per=7&users_page=abc',
      '/admin?users_page=-3&users_per=50.5',
      '/admin?users_sort=email&users_sort=created',
      '/admin?users_sort[x]=email&users_per[]=100',
      '/admin?users_page=1e309&keys_sort=%00&queue_dir=%27%3B--',
    ];

    // Act
    const pages = await Promise.all(odd.map((path) => admin.get(path)));
    const pastTheEnd = await admin.get('/admin?users_page=99');

    // Assert
    for (const [i, page] of pages.entries()) {
      assert.equal(page.status, 200, odd[i]);
      assert.deepEqual(userEmails(page.html), defaults, odd[i]);
      assert.equal(sortedBy(page.html, 'admin-users'), 'Created ascending', odd[i]);
    }
    // A page past the end (the table shrank since the link was made) is the last page.
    assert.equal(pastTheEnd.status, 200);
    assert.deepEqual(userEmails(pastTheEnd.html), everyone.slice(50).map((u) => u.email));
    assert.deepEqual(pagers(pastTheEnd.html, 'admin-users'), ['← Previous Page 2 of 2', '← Previous Page 2 of 2']);
  });

  test('when the admin disables a user from a sorted second page, then they come back to that page in that order', async () => {
    // Arrange
    const view = '/admin?users_sort=email&users_dir=desc&users_page=2';
    const page = await admin.get(view);
    const action = /action="(\/admin\/users\/\d+\/disable[^"]*)"/.exec(section(page.html, 'admin-users'))?.[1];
    assert.ok(action, 'a Disable form on the page');

    // Act
    const response = await admin.postForm(decode(action), { _csrf: admin.csrfToken(page.html) });

    // Assert
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/admin?users_sort=email&users_dir=desc&users_page=2');
  });
});

// ------------------------------------------------------------------ the queue and the keys

describe('the keys table on /admin', () => {
  const app = appSuite();

  test('when personal keys serve beside the shared one, then the keys are shared first, then by owner, and reverse on a click that keeps the queue\'s order', async () => {
    // Arrange: two analysts with personal keys, saved in the other order than their addresses sort.
    const admin = await adminClient(app, uniqueEmail('admin'));
    const analysts: Array<{ email: string }> = [];
    for (const prefix of ['zed', 'amy']) {
      const email = uniqueEmail(prefix);
      const client = await signedIn(app, email);
      const saved = await client.postForm('/settings/api-key', { key: workingKey(app.sim), perMinute: '4', perDay: '500', perMonth: '20000', useShared: 'on' }, '/settings');
      assert.equal(saved.status, 303);
      analysts.push({ email });
    }

    // Act
    const first = await admin.get('/admin?queue_sort=user');
    const personalFirst = await admin.get(headerLink(first.html, 'admin-keys', 'Kind'));

    // Assert: shared first by default, then personal keys by their owners' addresses.
    const kinds = (html: string) => [...section(html, 'admin-keys').matchAll(/<tr>\s*<td class="nowrap"><code>[^<]*<\/code><\/td>\s*<td>([^<]*)<\/td>/g)].map((m) => decode(m[1] ?? ''));
    const [amy, zed] = [analysts[1]?.email, analysts[0]?.email];
    assert.deepEqual(kinds(first.html), ['shared', `personal (${amy})`, `personal (${zed})`]);
    assert.equal(sortedBy(first.html, 'admin-keys'), 'Kind ascending');
    assert.equal(headerLink(first.html, 'admin-keys', 'Kind'), '/admin?keys_dir=desc&queue_sort=user');
    assert.deepEqual(kinds(personalFirst.html), [`personal (${zed})`, `personal (${amy})`, 'shared']);
    assert.equal(sortedBy(personalFirst.html, 'admin-keys'), 'Kind descending');
  });
});

describe('the queue table on an install without a key', () => {
  const app = appSuite({ noKey: true });

  test('when three analysts have rows waiting, then the queue is longest wait first, sorts by address, and reverses on a second click', async () => {
    // Arrange
    const admin = await adminClient(app, uniqueEmail('admin'));
    const waiting: Array<{ email: string; rows: number }> = [];
    for (const [prefix, rows] of [['mid', 2], ['big', 3], ['one', 1]] as const) {
      const email = uniqueEmail(prefix);
      await uploadHashes(await signedIn(app, email), Array.from({ length: rows }, () => hex(32)));
      waiting.push({ email, rows });
    }
    const queueRows = (html: string) => [...section(html, 'admin-queue').matchAll(/<tr><td>([^<]*)<\/td><td class="num">(\d+)<\/td><\/tr>/g)].map((m) => `${m[1]?.trim()} ${m[2]}`);
    const byEmail = [...waiting].sort((a, b) => byteOrder(a.email, b.email)).map((w) => `${w.email} ${w.rows}`);

    // Act
    const first = await admin.get('/admin?users_sort=email');
    const byUser = await admin.get(headerLink(first.html, 'admin-queue', 'User'));
    const reversed = await admin.get(headerLink(byUser.html, 'admin-queue', 'User'));
    const mostAgain = await admin.get(headerLink(reversed.html, 'admin-queue', 'Rows waiting'));

    // Assert
    assert.deepEqual(queueRows(first.html), [3, 2, 1].map((n) => `${waiting.find((w) => w.rows === n)?.email} ${n}`));
    assert.equal(sortedBy(first.html, 'admin-queue'), 'Rows waiting descending');
    assert.equal(headerLink(first.html, 'admin-queue', 'User'), '/admin?queue_sort=user&users_sort=email', 'the users table keeps its order');
    assert.deepEqual(queueRows(byUser.html), byEmail);
    assert.deepEqual(queueRows(reversed.html), [...byEmail].reverse());
    assert.equal(sortedBy(reversed.html, 'admin-queue'), 'User descending');
    assert.equal(sortedBy(reversed.html, 'admin-users'), 'Email ascending');
    assert.deepEqual(queueRows(mostAgain.html), [3, 2, 1].map((n) => `${waiting.find((w) => w.rows === n)?.email} ${n}`), 'a new column starts in its own first direction');
    assert.equal(sortedBy(mostAgain.html, 'admin-queue'), 'Rows waiting descending');
    assert.deepEqual(pagers(first.html, 'admin-queue'), [], 'one page: no pager');
  });
});
