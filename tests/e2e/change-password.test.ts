/**
 * An analyst changes their password in the browser: the form takes the current and the new one, the
 * page says so, another browser signed in as them is signed out, and only the new password works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, watchConsole } from '../helpers/browser.js';
import { uniqueEmail } from '../helpers/http-client.js';

/** What HttpClient.register signs up with. */
const PASSWORD = 'correct horse battery';
import { signedIn } from '../helpers/factories.js';

const suite = browserSuite();

test('when an analyst changes their password in Settings, then other sessions end and only the new password signs in', async () => {
  // Arrange: signed in in the browser, and in a second client (another device)
  const email = uniqueEmail('browser-password');
  const elsewhere = await signedIn(suite.app, email);
  const page = await (await suite.browser.newContext()).newPage();
  const problems = watchConsole(page);
  await page.goto(`${suite.app.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/reports/);
  const newPassword = `${PASSWORD}-and-then-some`;

  // Act
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm new password').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForURL(/\/settings\?password=changed/);
  const notice = await page.locator('main').innerText();
  const stillSignedIn = await page.getByRole('button', { name: 'Log out' }).count();
  const otherDevice = await elsewhere.get('/reports');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  const oldRefused = await page.locator('main').innerText();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/reports/);

  // Assert
  assert.match(notice, /password (was )?changed/i);
  assert.equal(stillSignedIn, 1, 'this browser stays signed in');
  assert.equal(otherDevice.status, 303, 'the other session is signed out');
  assert.match(otherDevice.headers.get('location') ?? '', /^\/login/);
  assert.match(oldRefused, /Wrong email or password/);
  // The old password's refusal is a 401 page, which Chromium reports as a failed load; nothing else may go wrong.
  assert.deepEqual(problems.filter((p) => !/status of 401/.test(p)), []);
});
