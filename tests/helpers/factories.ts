/**
 * Builds test data through the real app and the fake's API: users and reports through the app's
 * HTTP routes, files through the fake VirusTotal's addFile. Nothing is written to the database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SimFileSpec, VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { reportIdFrom, type TestApp } from './test-app.js';
import { uniqueEmail, type HttpClient } from './http-client.js';

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

/** A client of a newly registered user, signed in (registration signs the user in). */
export async function signedIn(app: TestApp, email = uniqueEmail()): Promise<HttpClient> {
  const client = app.client();
  const response = await client.register(email);
  assert.equal(response.status, 303, 'registration signs the user in');
  return client;
}

/** Pastes `hashes`, one a line, as a new report; returns the report's id. */
export async function uploadHashes(client: HttpClient, hashes: string[], name?: string): Promise<string> {
  const response = await client.upload({ hashes: hashes.join('\n'), ...(name ? { name } : {}) });
  assert.equal(response.status, 303, response.html.slice(0, 300));
  return reportIdFrom(response);
}
