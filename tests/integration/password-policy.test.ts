import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appSuite } from '../helpers/app-suite.js';
import { formAlert } from '../helpers/page.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { signedIn } from '../helpers/factories.js';

/** What HttpClient.register signs up with. */
const PASSWORD = 'correct horse battery';

// Ten characters is the only length rule; these are ten characters and guessed first all the same.
const GUESSED_FIRST = [
  ['one character repeated', 'aaaaaaaaaa', /more than one character/],
  ['ten spaces', ' '.repeat(10), /more than one character/],
  ['a common password', '1234567890', /common passwords/],
  ['a common password in other case', 'PassWord123', /common passwords/],
] as const;

describe('passwords that are guessed first', () => {
  const app = appSuite();

  for (const [what, password, reason] of GUESSED_FIRST) {
    test(`when someone registers with ${what}, then the form refuses it and no account is made`, async () => {
      // Arrange
      const email = uniqueEmail('weak');

      // Act
      const response = await app.client().postForm('/register', { email, password, confirm: password }, '/register');

      // Assert
      assert.equal(response.status, 422);
      assert.match(formAlert(response.html) ?? '', reason);
      assert.equal(await app.db.row('SELECT id FROM users WHERE email = ?', email), undefined);
    });

    test(`when an analyst changes their password to ${what}, then the form refuses it and the old password still works`, async () => {
      // Arrange
      const email = uniqueEmail('weak-change');
      const client = await signedIn(app, email);

      // Act
      const response = await client.postForm('/settings/password', { currentPassword: PASSWORD, newPassword: password, confirm: password }, '/settings');

      // Assert
      assert.equal(response.status, 422);
      assert.match(formAlert(response.html) ?? '', reason);
      const again = app.client();
      assert.equal((await again.postForm('/login', { email, password: PASSWORD }, '/login')).status, 303);
    });
  }
});
