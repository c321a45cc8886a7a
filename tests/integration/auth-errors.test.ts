import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';

/** Error pages show a message, never internals. This file breaks its own database on purpose. */

const app = appSuite();

function assertNoInternals(html: string): void {
  assert.doesNotMatch(html, /\bat [\w.<>]+ \(.*:\d+:\d+\)/, 'a stack trace is on the page');
  assert.doesNotMatch(html, /node_modules|\/src\/|\.ts:\d+/, 'a source path is on the page');
  assert.doesNotMatch(html, /SqliteError|no such table/i, 'the underlying error is on the page');
}

describe('error pages', () => {
  it('when an unexpected error happens, then a generic 500 page without a stack trace', async () => {
    const client = app.client();
    const email = uniqueEmail('errors');
    assert.equal((await client.register(email)).status, 303);
    // Every signed-in request reads the user first: without the table, that read throws.
    await app.db.run('ALTER TABLE users RENAME TO users_hidden_by_test');
    let page: Awaited<ReturnType<typeof client.get>>;
    try {
      page = await client.get('/reports');
    } finally {
      await app.db.run('ALTER TABLE users_hidden_by_test RENAME TO users');
    }
    assert.equal(page.status, 500);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.html, /<h1>Something went wrong<\/h1>/);
    assertNoInternals(page.html);
    // And the app is fine again afterwards.
    assert.equal((await client.get('/reports')).status, 200);
  });

  it('when a URL cannot be decoded, then a 400 page without internals', async () => {
    const client = app.client();
    assert.equal((await client.register(uniqueEmail('errors'))).status, 303);
    const page = await client.get('/reports/%E0%A4%A');
    assert.equal(page.status, 400);
    assertNoInternals(page.html);
  });
});
