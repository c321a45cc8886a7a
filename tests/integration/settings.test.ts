import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { TEST_KEY, waitForCompletion } from '../helpers/test-app.js';
import { formAlert, userIdOf } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import { tableNames } from '../helpers/test-database.js';
import { uniqueEmail, type HttpClient } from '../helpers/http-client.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { loadSecretBox, type SecretBox } from '../../src/shared/secret-box.js';
import { keyHint } from '../../src/lookups/api-key.js';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';

interface KeyRow {
  key_encrypted: string;
  key_hint: string;
  per_minute: number;
  per_day: number;
  per_month: number | null;
  use_shared: number;
  created_at: number;
}

/** A key shaped like VirusTotal's: 64 hex characters, different in every test. */
const newApiKey = () => hex(32);

/** Posts the key form as a browser would, with the public API's limits unless told otherwise. */
function saveKey(client: HttpClient, fields: Record<string, string>) {
  return client.postForm('/settings/api-key', { perMinute: '4', perDay: '500', perMonth: '', useShared: 'on', ...fields }, '/settings');
}

function inputTag(html: string, id: string): string {
  const tag = new RegExp(`<input\\b[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0];
  assert.ok(tag, `no <input id="${id}">`);
  return tag;
}

describe('a personal VirusTotal key on /settings', () => {
  let box: SecretBox;
  const logLines: string[] = [];
  // Every log line is kept, at the most verbose level, to show the key never reaches them.
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  const app = appSuite({ tuning: { logger } });

  const keyRow = async (id: number) =>
    await app.db.row<KeyRow>('SELECT * FROM user_api_keys WHERE user_id = ?', id);

  before(() => {
    // No SECRET_KEY in the test environment: the app generated its key into a file beside the database.
    box = loadSecretBox({ secretKey: undefined, secretKeyFile: join(dirname(app.databasePath), 'secret.key') });
  });

  test('when an anonymous visitor opens /settings, then they are sent to the login form', async () => {
    // Arrange
    const client = app.client();

    // Act
    const response = await client.get('/settings');

    // Assert
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/login?next=%2Fsettings');
  });

  test('when a user saves a key, then the page shows its hint and limits but never the key, uncached', async () => {
    // Arrange
    const client = await signedIn(app);
    const key = newApiKey();

    // Act
    const save = await saveKey(client, { key, perMinute: '4', perDay: '500', perMonth: '15500' });
    const page = await client.get('/settings');

    // Assert
    assert.equal(save.status, 303, save.html.slice(0, 300));
    assert.equal(save.headers.get('location'), '/settings?saved=1');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.html, /<a href="\/settings" aria-current=page>Settings<\/a>/);
    assert.ok(page.html.includes(keyHint(key)), 'the hint (last four characters) is shown');
    assert.match(page.html, /4 a minute, 500 a day, 15500 a month/);
    assert.ok(!page.html.includes(key), 'the full key is never shown');
    assert.ok(!page.html.includes(key.slice(0, -4)), 'nor any part beyond the hint');
    assert.doesNotMatch(inputTag(page.html, 'key'), /\bvalue=/);
    assert.match(inputTag(page.html, 'key'), /type="password"/);
    assert.match(inputTag(page.html, 'key'), /autocomplete="off"/);
    const notice = await client.get('/settings?saved=1');
    assert.match(notice.html, /<p class="notice" role="status">Your API key settings were saved\.<\/p>/);
  });

  test('when a key is saved, then the database files hold it only sealed with the key kept outside them, and it is never logged', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);
    const key = newApiKey();

    // Act
    await saveKey(client, { key });
    // SQLite: the file and its WAL as bytes; PostgreSQL (no file of ours): every row of every table.
    const files = app.databaseUrl
      ? [Buffer.from(JSON.stringify(await Promise.all((await tableNames(app.db)).map((t) => app.db.rows(`SELECT * FROM "${t}"`)))))]
      : [app.databasePath, `${app.databasePath}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
    const row = await keyRow(await userIdOf(app, email));
    const secretMaterial = readFileSync(join(dirname(app.databasePath), 'secret.key'), 'utf8').trim();

    // Assert
    assert.ok(files.length >= 1);
    for (const bytes of files) {
      assert.equal(bytes.includes(Buffer.from(key)), false, 'the key is not in the database file in clear');
      assert.equal(bytes.includes(Buffer.from(secretMaterial)), false, 'the sealing key is not in the database');
    }
    assert.ok(row, 'a row was stored');
    assert.notEqual(row.key_encrypted, key);
    assert.equal(box.open(row.key_encrypted), key);
    assert.equal(row.key_hint, keyHint(key));
    assert.equal(logLines.some((line) => line.includes(key)), false, 'the key is in no log line');
  });

  test('when a key is not shaped like an API key, then the form comes back with a clear message and nothing is stored', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);

    // Act
    const badKey = await saveKey(client, { key: 'not-a-key!' });
    const noKey = await saveKey(client, { key: '' });
    const badLimit = await saveKey(client, { key: newApiKey(), perMinute: 'lots', perDay: '900' });

    // Assert
    assert.equal(badKey.status, 422);
    assert.match(formAlert(badKey.html) ?? '', /VirusTotal keys are 64 characters/);
    assert.ok(!badKey.html.includes('not-a-key!'), 'the submitted key is not echoed back');
    assert.doesNotMatch(inputTag(badKey.html, 'key'), /\bvalue=/);
    assert.equal(noKey.status, 422);
    assert.equal(formAlert(noKey.html), 'Enter your VirusTotal API key.');
    assert.equal(badLimit.status, 422);
    assert.match(badLimit.html, /<p class="field-error">Lookups per minute must be a whole number above zero\.<\/p>/);
    assert.match(inputTag(badLimit.html, 'perDay'), /value="900"/, 'the other fields keep what was typed');
    assert.equal(await keyRow(await userIdOf(app, email)), undefined);
  });

  test('when the key form is posted without the CSRF token, then it is refused and nothing is stored', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);

    // Act
    const response = await client.postForm('/settings/api-key', { _csrf: 'forged', key: newApiKey(), perMinute: '4', perDay: '500' });

    // Assert
    assert.equal(response.status, 403);
    assert.equal(await keyRow(await userIdOf(app, email)), undefined);
  });

  test("when one user saved a key, then another user's settings page shows no key", async () => {
    // Arrange
    const owner = await signedIn(app);
    const other = await signedIn(app);
    const key = newApiKey();
    await saveKey(owner, { key });

    // Act
    const page = await other.get('/settings');

    // Assert
    assert.equal(page.status, 200);
    assert.ok(!page.html.includes(keyHint(key)));
    assert.match(page.html, /You have no key of your own/);
  });

  test('when a user removes their key, then the row is deleted and the page says so', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);
    const key = newApiKey();
    await saveKey(client, { key });

    // Act
    const response = await client.postForm('/settings/api-key/delete', {}, '/settings');
    const page = await client.get('/settings?removed=1');

    // Assert
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/settings?removed=1');
    assert.equal(await keyRow(await userIdOf(app, email)), undefined);
    assert.match(page.html, /Your API key was removed\./);
    assert.ok(!page.html.includes(keyHint(key)));
  });

  test('when limits change with the key field empty, then the stored key stays and the limits and opt-out change', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);
    const key = newApiKey();
    await saveKey(client, { key });
    const before = await keyRow(await userIdOf(app, email));

    // Act: no useShared field, as a browser sends an unticked box
    const response = await client.postForm('/settings/api-key', { key: '', perMinute: '10', perDay: '1000', perMonth: '20000' }, '/settings');
    const row = await keyRow(await userIdOf(app, email));
    const page = await client.get('/settings');

    // Assert
    assert.equal(response.status, 303, response.html.slice(0, 300));
    assert.ok(before && row);
    assert.equal(box.open(row.key_encrypted), key);
    assert.equal(row.key_hint, keyHint(key));
    assert.deepEqual(
      { perMinute: row.per_minute, perDay: row.per_day, perMonth: row.per_month, useShared: row.use_shared, createdAt: row.created_at },
      { perMinute: 10, perDay: 1000, perMonth: 20000, useShared: 0, createdAt: before.created_at },
    );
    assert.match(page.html, /10 a minute, 1000 a day, 20000 a month/);
    assert.match(page.html, /not used: only your key serves your lookups/);
    assert.doesNotMatch(page.html, /name="useShared" value="on" checked/);
  });
});

// Needs the real lookup engine (personal keys first); fails with the temporary adapter, which sends every lookup with the shared key.
describe('lookups with a personal key (needs the real lookup engine)', () => {
  const PERSONAL = hex(32);
  let sim: VtSimulator;

  const app = appSuite(async () => {
    sim = await startVtSimulator({
      keys: { [TEST_KEY]: { perMinute: 1000, perDay: 100_000 }, [PERSONAL]: { perMinute: 1000, perDay: 100_000 } },
      generate: true,
      minuteMs: 1000,
    });
    return { sim, minuteMs: 1000 };
  });
  after(async () => {
    await sim?.close();
  });

  test('when a user saved a personal key, then their lookups are sent with it and a user without one is served with the shared key', async () => {
    // Arrange
    const withKey = await signedIn(app);
    const save = await saveKey(withKey, { key: PERSONAL, perMinute: '1000', perDay: '100000' });
    assert.equal(save.status, 303, save.html.slice(0, 300));
    const withoutKey = await signedIn(app);
    const ownHashes = [newFile(sim), newFile(sim), newFile(sim)].map((f) => f.sha256);
    const sharedHashes = [newFile(sim), newFile(sim)].map((f) => f.sha256);

    // Act
    await waitForCompletion(withKey, await uploadHashes(withKey, ownHashes));
    await waitForCompletion(withoutKey, await uploadHashes(withoutKey, sharedHashes));

    // Assert
    const keysUsedFor = (hashes: string[]) => sim.calls.filter((c) => c.hash !== undefined && hashes.includes(c.hash)).map((c) => c.key);
    assert.deepEqual(keysUsedFor(ownHashes), ownHashes.map(() => PERSONAL), 'the personal key served its owner');
    assert.deepEqual(keysUsedFor(sharedHashes), sharedHashes.map(() => TEST_KEY), 'the shared key served the user without one');
  });
});
