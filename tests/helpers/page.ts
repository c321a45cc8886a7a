/**
 * What tests read off what a user gets: page HTML, the session cookie, received mail. One copy of
 * each reading, so every test means the same thing by "the alert" or "the rows".
 */
import assert from 'node:assert/strict';
import type { ParsedMail } from 'mailparser';
import type { HttpClient } from './http-client.js';
import type { TestApp } from './test-app.js';

/** The form's error alert, trimmed; undefined when the page has none. */
export function formAlert(html: string): string | undefined {
  return /<div class="alert" role="alert">([\s\S]*?)<\/div>/.exec(html)?.[1]?.trim();
}

/** The text a reader sees: tags as spaces, apostrophes decoded, whitespace collapsed. */
export const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim();

/** The rows of the page's first table body, as HTML. */
export function tableRows(html: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr[\s\S]*?<\/tr>/g)].map((m) => m[0]);
}

/** The line numbers of the report rows a page shows, in order. */
export const shownLines = (html: string) => [...html.matchAll(/<tr class="v-[^"]*">\s*<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));

/** An item page's engine rows: each engine's name and its category. */
export const engineRows = (html: string) => [...html.matchAll(/<tr class="c-([^"]*)">\s*<td>([^<]*)<\/td>/g)].map((m) => ({ category: m[1] ?? '', engine: m[2] ?? '' }));

/** Row page links by input, as the report page links them. */
export async function itemLinks(client: HttpClient, reportId: string): Promise<Map<string, string>> {
  const page = await client.get(`/reports/${reportId}`);
  return new Map([...page.html.matchAll(/<a href="(\/reports\/[^/"]+\/items\/\d+)">([^<]*)<\/a>/g)].map((m) => [m[2] ?? '', m[1] ?? '']));
}

export async function assertSignedInAs(client: HttpClient, email: string): Promise<void> {
  const page = await client.get('/reports');
  assert.equal(page.status, 200);
  assert.ok(page.html.includes(email), 'the report list does not show the signed-in email');
}

export async function assertSignedOut(client: HttpClient): Promise<void> {
  const page = await client.get('/reports');
  assert.equal(page.status, 303);
  assert.equal(page.headers.get('location'), '/login?next=%2Freports');
}

/** The session id inside a signed express-session cookie value ("s:<sid>.<signature>", URL-encoded). */
export function sidOf(cookieValue: string | undefined): string {
  assert.ok(cookieValue, 'no session cookie');
  const raw = decodeURIComponent(cookieValue);
  assert.ok(raw.startsWith('s:'), `not a signed cookie: ${raw}`);
  return raw.slice(2, raw.lastIndexOf('.'));
}

/** The stored session behind a session id; undefined once it is gone. */
export async function sessionRow(app: TestApp, sid: string): Promise<{ sid: string; sess: string; expires: number } | undefined> {
  return await app.db.row('SELECT sid, sess, expires FROM sessions WHERE sid = ?', sid);
}

/** The id of the account with this email; fails the test when there is none. */
export async function userIdOf(app: TestApp, email: string): Promise<number> {
  const row = await app.db.row<{ id: number }>('SELECT id FROM users WHERE email = ?', email);
  assert.ok(row, `no user ${email}`);
  return row.id;
}

/** The single To address of a received email. */
export const recipient = (mail: ParsedMail) => (mail.to && !Array.isArray(mail.to) ? mail.to.text : '');

/** The emails the app's SMTP capture received for `email`, in arrival order. */
export const mailsTo = (app: TestApp, email: string): ParsedMail[] => app.smtp?.messages.filter((m) => recipient(m) === email) ?? [];
