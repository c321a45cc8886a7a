import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { adminClient, newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { cspDirectives } from '../helpers/headers.js';

const viewsDir = fileURLToPath(new URL('../../views', import.meta.url));

/** Every line the app logs, parsed. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('headers on every page', () => {
  const app = appSuite();

  test('when pages are served, then the CSP forbids inline code everywhere and the other helmet defaults are on', async () => {
    // Arrange
    // The admin's account, so /admin is the dashboard and not the 404 page
    const owner = await adminClient(app);
    const id = await uploadHashes(owner, [newFile(app.sim).sha256]);

    // Act
    const paths = ['/', '/login', '/register', '/reports', '/reports/new', `/reports/${id}`, '/settings', '/admin', '/no-such-page'];
    const responses = await Promise.all(paths.map((p) => owner.get(p)));

    // Assert
    for (const [i, response] of responses.entries()) {
      const path = paths[i];
      const csp = cspDirectives(response.headers.get('content-security-policy'));
      assert.ok(!response.headers.get('content-security-policy')?.includes('unsafe-inline'), `no unsafe-inline on ${path}`);
      assert.ok(!response.headers.get('content-security-policy')?.includes('unsafe-eval'), `no unsafe-eval on ${path}`);
      assert.deepEqual(csp.get('default-src'), ["'self'"]);
      assert.deepEqual(csp.get('script-src'), ["'self'"], `script-src on ${path}`);
      assert.deepEqual(csp.get('style-src'), ["'self'"], `style-src on ${path}`);
      assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], `frame-ancestors on ${path}`);
      assert.deepEqual(csp.get('object-src'), ["'none'"]);
      assert.deepEqual(csp.get('base-uri'), ["'self'"]);
      assert.deepEqual(csp.get('form-action'), ["'self'"]);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-origin');
      assert.equal(response.headers.get('x-powered-by'), null);
      assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    }
  });

  test('when any page or download is served, then it is Cache-Control: no-store; static files may be cached', async () => {
    // Arrange
    // The admin's account, so /admin is the dashboard and not the 404 page
    const owner = await adminClient(app);
    const id = await uploadHashes(owner, [newFile(app.sim).sha256]);

    // Act
    const paths = ['/', '/reports', `/reports/${id}`, `/reports/${id}/status.json`, `/reports/${id}/export.csv`, `/reports/${id}/export.json`, '/settings', '/admin', '/login'];
    const responses = await Promise.all(paths.map((p) => owner.request(p)));
    const css = await owner.request('/static/css/app.css');

    // Assert
    for (const [i, response] of responses.entries()) assert.match(response.headers.get('cache-control') ?? '', /\bno-store\b/, `no-store on ${paths[i]}`);
    assert.doesNotMatch(css.headers.get('cache-control') ?? '', /no-store/);
  });
});

describe('views hold no inline code', () => {
  test('when every template is read, then none has an inline script, style, event handler or javascript: URL', () => {
    // Arrange
    const files = readdirSync(viewsDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ejs') && !f.startsWith('emails'));

    // Act
    const problems = files.flatMap((file) => {
      const text = readFileSync(join(viewsDir, file), 'utf8');
      const found: string[] = [];
      for (const m of text.matchAll(/<script\b[^>]*>/gi)) if (!/\bsrc=/.test(m[0])) found.push(`${file}: inline <script>`);
      if (/<style\b/i.test(text)) found.push(`${file}: <style> block`);
      if (/\sstyle\s*=/i.test(text)) found.push(`${file}: style attribute`);
      if (/\son[a-z]+\s*=/i.test(text)) found.push(`${file}: event handler attribute`);
      if (/javascript:/i.test(text)) found.push(`${file}: javascript: URL`);
      return found;
    });

    // Assert
    assert.ok(files.length >= 10, `read ${files.length} templates`);
    assert.deepEqual(problems, []);
  });
});

describe('an unexpected error in production', () => {
  const captured = capturedLogger();
  const app = appSuite({ env: { NODE_ENV: 'production' }, tuning: { logger: captured.logger } });

  test('when a page fails inside, then the user sees a plain page with a reference, and the log has the error under that reference', async () => {
    // Arrange: a table the report list needs goes missing, as a broken deployment might
    const owner = await signedIn(app);
    await app.db.run('ALTER TABLE reports RENAME TO reports_hidden');

    // Act
    let page: Awaited<ReturnType<typeof owner.get>>;
    try {
      page = await owner.get('/reports');
    } finally {
      await app.db.run('ALTER TABLE reports_hidden RENAME TO reports');
    }

    // Assert
    assert.equal(page.status, 500);
    const reference = page.headers.get('x-request-id') ?? '';
    assert.match(reference, /^[0-9a-f-]{36}$/);
    assert.match(page.html, new RegExp(`quote the reference <code>${reference}</code>`));
    assert.doesNotMatch(page.html, /no such table|SqliteError|does not exist|DatabaseError|reports_hidden|\bat \S+ \(|node_modules|\.ts:\d+/, 'nothing internal reaches the page');
    const logged = captured.lines.find((l) => l.msg === 'unhandled error');
    assert.ok(logged, 'the error was logged');
    assert.equal((logged.req as { id?: string } | undefined)?.id, reference);
    // SQLite's words, or PostgreSQL's.
    assert.match(JSON.stringify(logged.err), /no such table: reports|relation \\"reports\\" does not exist/);
    assert.equal((await owner.get('/reports')).status, 200, 'the app still serves');
  });

  test('when a client sends its own request id and no proxy is trusted, then the app makes its own', async () => {
    // Act
    const answer = await fetch(`${app.url}/login`, { headers: { 'x-request-id': 'edge-7f3a9c21' } });

    // Assert
    assert.match(answer.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('request ids behind a trusted proxy', () => {
  const app = appSuite({ env: { TRUST_PROXY: 'loopback' } });

  test('when the trusted proxy sends its own request id, then a well-formed one is kept and anything else replaced', async () => {
    // Act
    const kept = await fetch(`${app.url}/login`, { headers: { 'x-request-id': 'edge-7f3a9c21' } });
    const replaced = await fetch(`${app.url}/login`, { headers: { 'x-request-id': 'bad id {"level":60}' } });

    // Assert
    assert.equal(kept.headers.get('x-request-id'), 'edge-7f3a9c21');
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('anonymous visits', () => {
  const app = appSuite();
  const sessionCount = async () => (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM sessions'))?.n ?? 0;

  test('when an anonymous visitor opens pages without a form, then no session row is written and no cookie is set', async () => {
    // Arrange
    const before = await sessionCount();

    // Act
    const pages = await Promise.all(['/', '/no-such-page', '/?account=deleted'].map((path) => fetch(`${app.url}${path}`)));

    // Assert
    for (const page of pages) assert.equal(page.headers.get('set-cookie'), null, page.url);
    assert.equal(await sessionCount(), before);
  });

  test('when anonymous visitors open the sign-in, registration and other public forms many times, then no session row is written and no session cookie is set', async () => {
    // Arrange
    const before = await sessionCount();
    const paths = ['/login', '/register', '/login?next=%2Freports%2Fnew', '/login?signed_out=1', '/confirm-email?token=no-such-link', '/'];

    // Act: a script without a cookie jar, as in a storage DoS, each GET a new visitor
    const pages = await Promise.all(Array.from({ length: 20 }, () => paths).flat().map((path) => fetch(`${app.url}${path}`)));

    // Assert
    for (const page of pages) {
      assert.equal(page.status, page.url.includes('confirm-email') ? 400 : 200, page.url);
      assert.ok(!page.headers.getSetCookie().some((line) => line.startsWith('hash_report.sid=')), `${page.url} set a session cookie`);
    }
    assert.equal(await sessionCount(), before);
    // The forms carry a token all the same, bound to a cookie of their own.
    const login = pages[0];
    assert.match(login?.headers.get('set-cookie') ?? '', /^hash_report\.csrf=[A-Za-z0-9_-]{43};/);
    assert.match((await login?.text()) ?? '', /name="_csrf" value="[A-Za-z0-9_-]{43}"/);
  });

  test('when an anonymous visitor signs in after the form, then exactly one session row is written, holding them', async () => {
    // Arrange
    const email = uniqueEmail('rows');
    const registrant = app.client();
    assert.equal((await registrant.register(email, 'Correct-Horse-Battery-42')).status, 303);
    const client = app.client();
    await client.get('/login');
    const before = await sessionCount();

    // Act
    const response = await client.login(email, 'Correct-Horse-Battery-42');

    // Assert
    assert.equal(response.status, 303);
    assert.equal(await sessionCount(), before + 1);
    assert.equal((await client.get('/reports')).status, 200);
  });
});
