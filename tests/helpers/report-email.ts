import assert from 'node:assert/strict';
import type { ParsedMail } from 'mailparser';
import { reportIdFrom, waitFor, waitForCompletion, type TestApp } from './test-app.js';
import { mailsTo } from './page.js';
import { uniqueEmail, type HttpClient } from './http-client.js';
import { newFile, signedIn } from './factories.js';

export interface Sent {
  id: string;
  mail: ParsedMail;
  client: HttpClient;
}

/**
 * A new user who chose `attachment` in Settings uploads `files` new files with the email box
 * ticked; resolves with the report id and its email once it arrived.
 */
export async function reportEmail(app: TestApp, attachment: string, files: number, name: string): Promise<Sent> {
  const email = uniqueEmail(`attach-${attachment}`);
  const client = await signedIn(app, email);
  const saved = await client.postForm('/settings/email', { attachment }, '/settings');
  assert.equal(saved.status, 303, saved.html.slice(0, 300));
  const hashes = Array.from({ length: files }, () => newFile(app.sim).sha256);
  const id = reportIdFrom(await client.upload({ hashes: hashes.join('\n'), name, notify: true }));
  await waitForCompletion(client, id);
  const mails = () => mailsTo(app, email);
  const [mail] = await waitFor(async () => (mails().length > 0 ? mails() : null), `the email for ${name}`, 5000);
  assert.ok(mail);
  return { id, mail, client };
}
