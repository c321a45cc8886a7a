import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appSuite } from '../helpers/app-suite.js';
import { TOKEN_PATTERN } from '../helpers/api-client.js';
import { signedIn } from '../helpers/factories.js';

describe('Settings answers at the top of the page', () => {
  const app = appSuite();

  test('when a token is created, then the form redirects and the page opens on the token, focused, at the top, once', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act
    const posted = await client.postForm('/settings/api-tokens', { tokenName: 'SOAR playbook' }, '/settings');
    const sessions = (await app.db.rows<{ sess: string }>('SELECT sess FROM sessions')).map((r) => r.sess).join('\n');
    const page = await client.get(posted.headers.get('location') ?? '');
    const again = await client.get('/settings');

    // Assert
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), '/settings?token=created');
    const token = TOKEN_PATTERN.exec(page.html)?.[0] ?? '';
    assert.ok(token, 'the page after the redirect shows the token');
    assert.match(sessions, /"sealedToken":"v1\./, 'it waited in the session, sealed');
    assert.ok(!sessions.includes(token), 'never in clear');
    const box = /<div class="notice token-box" role="status" id="new-token" tabindex="-1" autofocus data-focus-on-load>([\s\S]*?)<\/div>/.exec(page.html)?.[1] ?? '';
    assert.ok(box.includes(token), 'in the focused box');
    assert.match(box, new RegExp(`data-copy="${token}">Copy</button>`), 'with a copy button');
    assert.ok(page.html.indexOf('id="new-token"') < page.html.indexOf('id="api-key"'), 'above every section');
    assert.equal(TOKEN_PATTERN.exec(again.html), null, 'shown once');
  });

  test('when the current password is wrong, then the error is at the top with the focus and a link to the field, and at the field', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act
    const response = await client.postForm('/settings/password', { currentPassword: 'Not-the-password-1', newPassword: 'a brand new passphrase', confirm: 'a brand new passphrase' }, '/settings');

    // Assert
    assert.equal(response.status, 422);
    assert.match(response.html, /<div class="form-result" id="form-result" tabindex="-1" autofocus data-focus-on-load>\s*<div class="alert" role="alert">/, 'a focused result');
    assert.match(response.html, /<div class="alert" role="alert">Your current password is not right\.<\/div>\s*<p class="result-link"><a href="#currentPassword">Go to the form<\/a><\/p>/);
    assert.ok(response.html.indexOf('id="form-result"') < response.html.indexOf('id="api-key"'), 'above every section');
    assert.ok(response.html.indexOf('<p class="field-error">This is not your current password.</p>') > response.html.indexOf('id="currentPassword"'), 'and at its field');
    assert.equal((response.html.match(/role="alert"/g) ?? []).length, 1, 'one alert, not two');
  });

  test('when the page opens, then a short table of contents leads to every section', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act
    const page = await client.get('/settings');

    // Assert
    const toc = /<nav class="toc" aria-label="Sections of this page">([\s\S]*?)<\/nav>/.exec(page.html)?.[1] ?? '';
    const anchors = [...toc.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]);
    assert.deepEqual(anchors, ['api-key', 'api-tokens', 'password', 'email', 'delete-account']);
    for (const anchor of anchors) assert.ok(page.html.includes(`id="${anchor}"`), `#${anchor} exists`);
  });
});
