/**
 * Who is an admin: only someone given the role from the server's shell (`npm run admin`), or the
 * owner of an ADMIN_EMAILS address who proved it by the emailed link. Registering an address, or
 * being the oldest account left, gives nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { confirmAddress, confirmationLink, signedIn } from '../helpers/factories.js';
import { formAlert } from '../helpers/page.js';
import { run } from '../helpers/cli.js';

const PASSWORD = 'correct horse battery'; // what HttpClient.register uses

/** `npm run admin -- …` as a real child process, as an operator runs it in the server's shell. */
async function adminCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { code, output } = await run('npm', ['run', '--silent', 'admin', '--', ...args], env);
  return { code, output: output.trim() };
}

describe('ADMIN_EMAILS with email on: the address must be confirmed', () => {
  const listed = uniqueEmail('listed-admin');
  const app = appSuite({ mail: true, env: { ADMIN_EMAILS: listed } });

  test('when someone registers a listed address without opening the link, then they get no session, cannot sign in and /admin is a 404; once the link is used, the owner gets /admin', async () => {
    // Arrange
    const squatter = app.client();

    // Act: register, do not confirm
    const registered = await squatter.register(listed);
    const dashboard = await squatter.get('/admin');
    const login = await squatter.login(listed);
    const afterLogin = await squatter.get('/admin');

    // Assert
    assert.equal(registered.status, 200);
    assert.equal(dashboard.status, 404);
    assert.equal(login.status, 401);
    assert.match(formAlert(login.html) ?? '', /Confirm your address first/);
    assert.equal(afterLogin.status, 404);
    assert.equal(await app.db.row('SELECT id FROM users WHERE email = ?', listed), undefined, 'no account before the link is used');

    // Act: the owner of the mailbox opens the link and signs in
    const owner = app.client();
    const confirmed = await confirmAddress(owner, await confirmationLink(app, listed), PASSWORD);
    await owner.login(listed);
    const ownerDashboard = await owner.get('/admin');

    // Assert
    assert.equal(confirmed.status, 303);
    assert.equal(ownerDashboard.status, 200);
  });
});

describe('ADMIN_EMAILS without email: nothing can be confirmed, so the list grants nothing', () => {
  const listed = uniqueEmail('listed-no-mail');
  const app = appSuite({ env: { ADMIN_EMAILS: listed } });

  test('when the listed address registers (and is signed in at once), then /admin is still a 404', async () => {
    // Act
    const client = await signedIn(app, listed);
    const page = await client.get('/admin');

    // Assert
    assert.equal(page.status, 404);
  });
});

describe('no admin by seniority', () => {
  const app = appSuite();

  test('when the oldest account is deleted, then the next one does not become admin', async () => {
    // Arrange: the first two accounts of a fresh install
    const firstEmail = uniqueEmail('oldest');
    const first = await signedIn(app, firstEmail);
    const second = await signedIn(app);
    assert.equal((await first.get('/admin')).status, 404, 'the oldest account is no admin either');

    // Act
    const deleted = await first.postForm('/settings/account/delete', { confirmation: firstEmail, password: PASSWORD }, '/settings');
    const page = await second.get('/admin');

    // Assert
    assert.equal(deleted.status, 303);
    assert.equal(page.status, 404);
  });
});

describe('npm run admin, from the server shell', () => {
  let dir: string;
  const listed = uniqueEmail('cli-listed');
  const app = appSuite();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hash-report-admin-cli-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const env = () => ({ ...app.databaseEnv, ADMIN_EMAILS: listed });

  test('when an account is granted, listed and revoked, then /admin follows and each command prints one clear line', async () => {
    // Arrange
    const email = uniqueEmail('cli-admin');
    const client = await signedIn(app, email);
    assert.equal((await client.get('/admin')).status, 404);

    // Act: grant (given in another case, as people type)
    const grant = await adminCli(['grant', email.toUpperCase()], env());
    const again = await adminCli(['grant', email], env());
    const granted = await client.get('/admin');
    const list = await adminCli(['list'], env());

    // Assert
    assert.deepEqual(grant, { code: 0, output: `${email} is now an admin` });
    assert.deepEqual(again, { code: 0, output: `${email} is already an admin` });
    assert.equal(granted.status, 200);
    assert.equal(list.code, 0, list.output);
    assert.deepEqual(list.output.split('\n'), [`${email}: admin (granted)`, `${listed}: not admin (in ADMIN_EMAILS, no account)`]);

    // Act: revoke
    const revoke = await adminCli(['revoke', email], env());
    const revoked = await client.get('/admin');

    // Assert
    assert.deepEqual(revoke, { code: 0, output: `${email} is no longer an admin` });
    assert.equal(revoked.status, 404);
  });

  test('when the email has no account or the arguments are wrong, then it exits 1 with a clear message and changes nothing', async () => {
    // Arrange
    const unknown = uniqueEmail('nobody');
    const before = (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM users WHERE is_admin = 1'))?.n;

    // Act
    const noAccount = await adminCli(['grant', unknown], env());
    const noEmail = await adminCli(['grant'], env());
    const unknownCommand = await adminCli(['promote', unknown], env());
    const extra = await adminCli(['list', 'extra'], env());
    const listEmpty = await adminCli(['list'], { DATABASE_PATH: join(dir, 'fresh.sqlite') });

    // Assert
    assert.deepEqual(noAccount, { code: 1, output: `No account has the address ${unknown}. It must be registered first.` });
    for (const result of [noEmail, unknownCommand, extra]) {
      assert.deepEqual(result, { code: 1, output: 'usage: npm run admin -- grant EMAIL | revoke EMAIL | list' });
    }
    assert.equal((await app.db.row<{ n: number }>('SELECT count(*) AS n FROM users WHERE is_admin = 1'))?.n, before);
    assert.equal(listEmpty.code, 0, listEmpty.output);
    assert.match(listEmpty.output, /^no admins on .*fresh\.sqlite; make one with: npm run admin -- grant EMAIL$/);
  });
});
