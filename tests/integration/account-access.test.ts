import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appSuite } from '../helpers/app-suite.js';
import { apiCall, createApiToken } from '../helpers/api-client.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { adminClient, signedIn } from '../helpers/factories.js';
import { userIdOf } from '../helpers/page.js';

/** What HttpClient.register signs up with. */
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'Brand-New-Passphrase-2026';

// A password change and a disabled account close every door the account had, API tokens included,
// and enabling the account again opens none of the old ones.

describe('what a password change and a disabled account leave open', () => {
  const adminEmail = uniqueEmail('access-admin');
  const app = appSuite();
  const reports = (token: string) => apiCall(app.url, token, '/api/v1/reports');

  test('when an analyst changes their password, then their API tokens stop working and the page says so', async () => {
    // Arrange
    const client = await signedIn(app);
    const token = await createApiToken(client);
    assert.equal((await reports(token)).status, 200);

    // Act
    const changed = await client.postForm('/settings/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirm: NEW_PASSWORD }, '/settings');
    const page = await client.get('/settings?password=changed');

    // Assert
    assert.equal(changed.status, 303);
    assert.equal((await reports(token)).status, 401);
    assert.match(page.html, /your API tokens were revoked/);
  });

  test('when an admin disables an account and enables it again, then its old sessions and tokens stay closed', async () => {
    // Arrange
    const admin = await adminClient(app, adminEmail);
    const email = uniqueEmail('access-user');
    const user = await signedIn(app, email);
    const token = await createApiToken(user);
    const id = await userIdOf(app, email);
    await admin.get('/admin');

    // Act
    const disabled = await admin.postForm(`/admin/users/${id}/disable`, {}, '/admin');
    const whileDisabled = await reports(token);
    const enabled = await admin.postForm(`/admin/users/${id}/enable`, {}, '/admin');

    // Assert
    assert.deepEqual([disabled.status, whileDisabled.status, enabled.status], [303, 401, 303]);
    assert.equal((await reports(token)).status, 401, 'the token came back with the account');
    assert.equal((await user.get('/reports')).status, 303, 'the old session came back with the account');
    assert.equal(await app.db.row('SELECT sid FROM sessions WHERE sess LIKE ?', `%"userId":${id},%`), undefined);
  });
});
