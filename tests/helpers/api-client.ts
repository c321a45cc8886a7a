/**
 * How a script reaches the JSON API: a personal token made in Settings (as a user makes one), sent
 * as a bearer token over plain fetch, with no cookie.
 */
import assert from 'node:assert/strict';
import type { HttpClient } from './http-client.js';

export const TOKEN_PATTERN = /hr_[A-Za-z0-9_-]{43}/;

/** Creates a token through the Settings form of a signed-in user; returns it as the page after the redirect shows it, once. */
export async function createApiToken(client: HttpClient, name = 'Script'): Promise<string> {
  const answer = await client.postForm('/settings/api-tokens', { tokenName: name }, '/settings');
  assert.equal(answer.status, 303, `the form redirects (${answer.status})`);
  const page = await client.get(answer.headers.get('location') ?? '/settings');
  const token = TOKEN_PATTERN.exec(page.html)?.[0];
  assert.ok(token, `no token on the page after the redirect (${page.status})`);
  return token;
}

/** One API call; `token` null sends no Authorization header. Redirects are not followed. */
export function apiCall(baseUrl: string, token: string | null, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(new URL(path, baseUrl), { ...init, headers, redirect: 'manual' });
}
