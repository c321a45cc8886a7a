/**
 * Builds test data through the real app and the fake's API: users and reports through the app's
 * HTTP routes, files through the fake VirusTotal's addFile. Nothing is written to the database,
 * except the admin role, which only the server's shell gives (scripts/admin.ts, the same service).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SimFileSpec, VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { reportIdFrom, type TestApp } from './test-app.js';
import { uniqueEmail, type HttpClient } from './http-client.js';
import { recipient } from './page.js';
import { CONFIRM_EMAIL_SUBJECT } from '../../src/mail/confirmation-emails.js';
import { setAdminRole } from '../../src/admin/admin-role.service.js';

/** What HttpClient.register and login use unless told otherwise. */
const PASSWORD = 'correct horse battery';

/** `bytes` random bytes as lowercase hex: hex(16) is an MD5, hex(20) a SHA-1, hex(32) a SHA-256. */
export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A new file with random hashes that the fake knows; by default 3 engines call it malicious.
 * `extra` overrides that or adds to it (malicious: 0 and no fortinet makes it clean).
 */
export function newFile(sim: VtSimulator, extra: Partial<Omit<SimFileSpec, 'md5' | 'sha1' | 'sha256'>> = {}) {
  const spec = { md5: hex(16), sha1: hex(20), sha256: hex(32), malicious: 3, ...extra };
  sim.addFile(spec);
  return spec;
}

/**
 * A new API key that the fake VirusTotal accepts, with generous allowances: Settings tests a key with
 * one call before saving it, and refuses one VirusTotal does not know.
 */
export function workingKey(sim: VtSimulator, limits: { perMinute: number; perDay: number; perMonth?: number } = { perMinute: 1000, perDay: 100_000 }): string {
  const key = hex(32);
  sim.addKey(key, limits);
  return key;
}

/**
 * A client of a newly registered user, signed in, as a user gets there: without email,
 * registration signs in; with email (the app has an SMTP capture), the user opens the link in the
 * confirmation email, types the password there, then signs in.
 */
export async function signedIn(app: TestApp, email = uniqueEmail()): Promise<HttpClient> {
  const client = app.client();
  const response = await client.register(email, PASSWORD);
  if (!app.smtp) {
    assert.equal(response.status, 303, 'registration signs the user in');
    return client;
  }
  assert.equal(response.status, 200, 'registration asks to check the inbox');
  const confirmed = await confirmAddress(client, await confirmationLink(app, email), PASSWORD);
  assert.equal(confirmed.status, 303, 'the link confirms the address');
  const login = await client.login(email, PASSWORD);
  assert.equal(login.status, 303, 'the confirmed account signs in');
  return client;
}

/** A signed-in client of a new account given the admin role, as `npm run admin -- grant` gives it. */
export async function adminClient(app: TestApp, email = uniqueEmail('admin')): Promise<HttpClient> {
  const client = await signedIn(app, email);
  await setAdminRole(app.runtime.database.db, [], email, true);
  return client;
}

/** Takes the confirmation email sent to `email` out of the capture; returns the link in it. */
export async function confirmationLink(app: TestApp, email: string): Promise<string> {
  assert.ok(app.smtp, 'the app has no SMTP capture');
  const mail = await app.smtp.take((m) => recipient(m) === email && m.subject === CONFIRM_EMAIL_SUBJECT);
  const link = /(https?:\/\/\S+\/confirm-email\?token=[\w%-]+)/.exec(mail.text ?? '')?.[1];
  assert.ok(link, 'no confirmation link in the email');
  return link;
}

/** Opens a confirmation link (any host: the path and token are what count) and types the password. */
export async function confirmAddress(client: HttpClient, link: string, password = PASSWORD): Promise<Response & { html: string }> {
  const { pathname, search } = new URL(link);
  const page = await client.get(`${pathname}${search}`);
  assert.equal(page.status, 200, 'the link opens the confirmation form');
  const token = new URL(link).searchParams.get('token') ?? '';
  return client.postForm('/confirm-email', { token, password });
}

/** Pastes `hashes`, one a line, as a new report; returns the report's id. */
export async function uploadHashes(client: HttpClient, hashes: string[], name?: string): Promise<string> {
  const response = await client.upload({ hashes: hashes.join('\n'), ...(name ? { name } : {}) });
  assert.equal(response.status, 303, response.html.slice(0, 300));
  return reportIdFrom(response);
}
