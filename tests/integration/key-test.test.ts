import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { keyFingerprint } from '../../src/lookups/api-key.js';
import { startVtSimulator, type VtSimulator } from '../../scripts/vt-simulator/simulator.js';
import { appSuite } from '../helpers/app-suite.js';
import { adminClient, hex, signedIn, workingKey } from '../helpers/factories.js';
import type { HttpClient } from '../helpers/http-client.js';
import { textOf, userIdOf } from '../helpers/page.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { TEST_KEY } from '../helpers/test-app.js';

const userCalls = (sim: VtSimulator, key: string) => sim.calls.filter((c) => c.key === key && c.path.startsWith('/api/v3/users/'));

/** The result box at the top of Settings, as text. */
const keyTestBox = (html: string) => textOf(/<div class="[^"]*key-test[^"]*"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '');

function saveKey(client: HttpClient, fields: Record<string, string>) {
  return client.postForm('/settings/api-key', { perMinute: '4', perDay: '', perMonth: '', useShared: 'on', ...fields }, '/settings');
}

describe('testing a personal key when it is saved', () => {
  const app = appSuite();

  test('when a working key is saved with the day and month empty, then one call asks VirusTotal, and its allowances are saved and shown at the top', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);
    const key = workingKey(app.sim, { perMinute: 4, perDay: 500, perMonth: 15_500 });

    // Act
    const saved = await saveKey(client, { key });
    const page = await client.get(saved.headers.get('location') ?? '');
    const again = await client.get('/settings');

    // Assert
    assert.equal(saved.status, 303, saved.html.slice(0, 300));
    assert.equal(userCalls(app.sim, key).length, 1, 'one call to GET /users/{key}');
    assert.equal(userCalls(app.sim, key)[0]?.status, 200);
    assert.equal(app.sim.usage(key).day, 1, 'VirusTotal counted it');
    const row = await app.db.row<{ per_minute: number; per_day: number; per_month: number | null }>('SELECT * FROM user_api_keys WHERE user_id = ?', await userIdOf(app, email));
    assert.deepEqual({ ...row }, { ...row, per_minute: 4, per_day: 500, per_month: 15_500 }, 'the empty limits took what VirusTotal reported');
    assert.match(keyTestBox(page.html), new RegExp(`Your API key settings were saved\\. VirusTotal accepted key …${key.slice(-4)}\\. It allows 500 lookups a day \\(1 used today\\), 240 an hour and 15,500 a month \\(1 used this month\\)\\.`));
    assert.match(page.html, /id="key-test-result" tabindex="-1" autofocus/, 'the result takes the focus');
    assert.ok(page.html.indexOf('id="key-test-result"') < page.html.indexOf('id="api-key"'), 'at the top of the page');
    assert.ok(!page.html.includes(key), 'never the key');
    assert.equal(keyTestBox(again.html), '', 'shown once');
    assert.match(again.html, /4 a minute, 500 a day, 15500 a month/);
  });

  test('when the call is counted, then it is on the key\'s own quota in the app too', async () => {
    // Arrange
    const client = await signedIn(app);
    const key = workingKey(app.sim);

    // Act
    await saveKey(client, { key, perDay: '900' });
    const usage = app.runtime.lookups.keys().find((k) => k.id === keyFingerprint(key));

    // Assert
    assert.equal(usage?.usedToday, 1, 'the test call counts against the key like a lookup');
    assert.equal(usage?.perDay, 900, 'a limit under VirusTotal\'s allowance is kept');
  });

  test('when a limit above what VirusTotal allows is asked for, then the allowance is saved and the page says why', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);
    const key = workingKey(app.sim, { perMinute: 4, perDay: 500 });

    // Act
    const saved = await saveKey(client, { key, perDay: '5000' });
    const page = await client.get('/settings');

    // Assert
    assert.equal(saved.status, 303);
    assert.equal((await app.db.row<{ per_day: number }>('SELECT per_day FROM user_api_keys WHERE user_id = ?', await userIdOf(app, email)))?.per_day, 500);
    assert.match(keyTestBox(page.html), /VirusTotal allows this key 500 lookups a day, so that is the limit saved rather than 5,000\./);
  });

  test('when the key is wrong, then VirusTotal\'s refusal is said in words at the top and at the field, and nothing is saved', async () => {
    // Arrange
    const email = uniqueEmail();
    const client = await signedIn(app, email);
    const wrong = hex(32);

    // Act
    const response = await saveKey(client, { key: wrong });

    // Assert
    assert.equal(response.status, 422);
    assert.equal(userCalls(app.sim, wrong).length, 1, 'it was asked about, once');
    assert.equal(userCalls(app.sim, wrong)[0]?.status, 401);
    const message = `VirusTotal refused key …${wrong.slice(-4)}: the key is incorrect. It was not saved: copy your key again from your VirusTotal profile ("API Key") and paste it here.`;
    assert.equal(textOf(/<div class="alert" role="alert">([\s\S]*?)<\/div>/.exec(response.html)?.[1] ?? ''), message.replace(/"/g, '&#34;'));
    assert.match(response.html, /<p class="result-link"><a href="#key">Go to the form<\/a><\/p>/);
    assert.match(response.html, /<p class="field-error">VirusTotal refused key/);
    assert.doesNotMatch(response.html, /WrongCredentialsError/);
    assert.ok(!response.html.includes(wrong), 'the key is not echoed');
    assert.equal(await app.db.row('SELECT * FROM user_api_keys WHERE user_id = ?', await userIdOf(app, email)), undefined);
  });

  test('when a saved key is tested again, then one more call goes and the result is shown at the top', async () => {
    // Arrange
    const client = await signedIn(app);
    const key = workingKey(app.sim);
    await saveKey(client, { key });
    await client.get('/settings');

    // Act
    const tested = await client.postForm('/settings/api-key/test', {}, '/settings');
    const page = await client.get('/settings');

    // Assert
    assert.equal(tested.status, 303);
    assert.equal(userCalls(app.sim, key).length, 2);
    assert.match(keyTestBox(page.html), new RegExp(`^VirusTotal accepted key …${key.slice(-4)}\\. It allows 100,000 lookups a day \\(2 used today\\)`));
  });
});

describe('a key whose minute is spent', () => {
  const app = appSuite({ minuteMs: 60_000 });

  test('when the key has no free slot under its quota, then nothing is sent and the page says when to try', async () => {
    // Arrange: a 1-a-minute key, its minute spent by the test made when it was saved
    const client = await signedIn(app);
    const key = workingKey(app.sim, { perMinute: 1, perDay: 100 });
    await saveKey(client, { key, perMinute: '1' });
    await client.get('/settings');

    // Act
    await client.postForm('/settings/api-key/test', {}, '/settings');
    const page = await client.get('/settings');

    // Assert
    assert.equal(userCalls(app.sim, key).length, 1, 'no second call within the minute');
    assert.equal(app.sim.quotaRejections(), 0);
    assert.match(keyTestBox(page.html), new RegExp(`Key …${key.slice(-4)} was not tested: a test counts like a lookup, and its next free slot under 1 lookup a minute is in \\d+ s\\.`));
  });
});

describe('testing a shared key from the admin page', () => {
  const REVOKED = 'revoked-key-0123456789abcdef';
  let sim: VtSimulator;
  const app = appSuite(async () => {
    sim = await startVtSimulator({ keys: { [TEST_KEY]: { perMinute: 1000, perDay: 100_000, perMonth: 15_500 } }, minuteMs: 1000 });
    return { sim, noKey: true, env: { VT_API_KEYS: `${TEST_KEY}:1000:100000,${REVOKED}:4:500` } };
  });
  after(async () => {
    await sim?.close();
  });

  test('when an admin tests a working and a refused shared key, then each row says what VirusTotal answered, and the call counts', async () => {
    // Arrange
    const admin = await adminClient(app);
    const good = keyFingerprint(TEST_KEY);
    const bad = keyFingerprint(REVOKED);

    // Act
    const tested = await admin.postForm(`/admin/keys/${good}/test`, {}, '/admin');
    const afterGood = await admin.get('/admin');
    await admin.postForm(`/admin/keys/${bad}/test`, {}, '/admin');
    const afterBad = await admin.get('/admin');
    const unknown = await admin.postForm('/admin/keys/k-000000000000/test', {}, '/admin');
    const user = await signedIn(app);
    const forbidden = await user.postForm(`/admin/keys/${good}/test`, {}, '/settings');

    // Assert
    assert.equal(tested.status, 303);
    assert.equal(tested.headers.get('location'), '/admin#key-test-result');
    assert.equal(userCalls(sim, TEST_KEY).length, 1);
    assert.match(textOf(afterGood.html), new RegExp(`VirusTotal accepted key …${TEST_KEY.slice(-4)}\\. It allows 100,000 lookups a day \\(1 used today\\), 60,000 an hour and 15,500 a month`));
    assert.match(textOf(afterGood.html), new RegExp(`…${TEST_KEY.slice(-4)} shared 1 / 1000 1 / 100000 1 / no cap`), 'the dashboard counts the call');
    assert.match(textOf(afterBad.html), new RegExp(`VirusTotal refused key …${REVOKED.slice(-4)}: the key is incorrect\\.`));
    assert.match(textOf(afterBad.html), /VirusTotal refused the shared API key …cdef: the key is incorrect\. The operator should check VT_API_KEY \/ VT_API_KEYS\./, 'the refused key rests');
    assert.equal(app.runtime.lookups.keys().find((k) => k.id === bad)?.pause?.reason, 'wrong_key');
    assert.equal(unknown.status, 404);
    assert.equal(forbidden.status, 404, 'not for non-admins');
    assert.equal(sim.calls.length, 2, 'no other call');
  });
});
