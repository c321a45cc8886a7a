/**
 * Ownership and CSRF, route by route, for every route the app's router lists: a route added
 * tomorrow is walked tomorrow, and one this file cannot fill fails until it is taught how. Routes
 * under /api take bearer tokens only: each signed-in party calls them with a token of their own,
 * and a browser's session (cookie and CSRF token) must get 401 there.
 */
import { createHash } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { tableNames, type TestDatabase } from '../helpers/test-database.js';
import { TEST_KEY, waitForCompletion } from '../helpers/test-app.js';
import { keyFingerprint } from '../../src/lookups/api-key.js';
import { appSuite } from '../helpers/app-suite.js';
import { HttpClient, uniqueEmail } from '../helpers/http-client.js';
import { adminClient, hex, newFile, signedIn, uploadHashes, workingKey } from '../helpers/factories.js';
import { multipartBody, postRaw } from '../helpers/multipart.js';
import { fillPath, listRoutes, type AppRoute } from '../helpers/routes.js';
import { createApiToken } from '../helpers/api-client.js';

const PASSWORD = 'correct horse battery'; // what HttpClient.register uses
const ADMIN_EMAIL = uniqueEmail('guard-admin');

/** The cookie of the forms before sign-in (web/anonymous-csrf.ts). */
const ANONYMOUS_COOKIE = 'hash_report.csrf';

interface Party {
  label: string;
  client: HttpClient;
  /** Null for the anonymous visitor. */
  email: string | null;
  /** An API token of the party's own; null for the anonymous visitor. */
  token: string | null;
}

/** One kind of data that routes with ids point at. */
interface Resource {
  label: string;
  /** Every route whose path matches takes its parameters from this resource. */
  routes: RegExp;
  /** The one party these routes are for. */
  holder: Party;
  /** Parameter values that point at data: everyone but the holder tries each. */
  targets: Array<Record<string, string>>;
  /** A target the holder may change, for the CSRF check: a forged POST would change it. */
  ownTarget: Record<string, string>;
  /** Text of the data; no answer to anyone else may contain any of it. */
  secrets: string[];
  /** A target of the holder's own to spend on a POST, to show the route works for them. */
  spare(): Promise<Record<string, string>>;
}

let routes: AppRoute[];
let parties: { admin: Party; owner: Party; other: Party; anonymous: Party };
let resources: Resource[];

/** Makes an API token through Settings; returns it and its id. */
async function createToken(client: HttpClient, name: string): Promise<{ token: string; id: string }> {
  const token = await createApiToken(client, name);
  const hash = createHash('sha256').update(token).digest('hex');
  const row = await app.db.row<{ id: number }>('SELECT id FROM api_tokens WHERE token_sha256 = ?', hash);
  return { token, id: String(row?.id ?? '') };
}

const signedInParty = async (label: string, email = uniqueEmail(label.replace(/\W+/g, '-')), admin = false): Promise<Party> => {
  const client = admin ? await adminClient(app, email) : await signedIn(app, email);
  return { label, email, client, token: (await createToken(client, `${label}'s script`)).token };
};

/** The id of a report's first row, for routes about one row. */
/** Rows are addressed by their line in the report. */
const firstLine = async (reportId: string): Promise<string> =>
  String((await app.db.row<{ line: number }>('SELECT min(line) AS line FROM report_items WHERE report_id = ?', reportId))?.line ?? '');

const userId = async (email: string | null): Promise<string> =>
  String((await app.db.row<{ id: number }>('SELECT id FROM users WHERE email = ?', email ?? ''))?.id ?? '');

const app = appSuite({}, async () => {
  routes = listRoutes(app.runtime.app);
  const admin = await signedInParty('the admin', ADMIN_EMAIL, true);
  const owner = await signedInParty('the owner');
  const other = await signedInParty('another user');
  const bystander = await signedInParty('a bystander');
  const anonymous: Party = { label: 'an anonymous visitor', client: app.client(), email: null, token: null };
  await anonymous.client.get('/login'); // its anonymous-form cookie, and a token bound to it
  parties = { admin, owner, other, anonymous };

  // A distinctive name and hashes that can be searched for in every answer.
  const file = newFile(app.sim, { malicious: 0 });
  const unknown = hex(32);
  const name = `Operation Nightjar ${hex(4)}`;
  const reportId = await uploadHashes(owner.client, [file.md5, unknown], name);
  await waitForCompletion(owner.client, reportId);
  // Something the settings routes could change, held by the user the CSRF checks act as.
  const saved = await other.client.postForm('/settings/api-key', { key: workingKey(app.sim), perMinute: '4', perDay: '500' }, '/settings');
  assert.equal(saved.status, 303, 'the API key was saved');
  const tokenName = `Nightjar playbook ${hex(4)}`;
  const ownerToken = await createToken(owner.client, tokenName);

  resources = [
    {
      label: 'report',
      routes: /^\/reports\/:id(\/|$)/,
      holder: owner,
      targets: [{ id: reportId, line: await firstLine(reportId) }],
      ownTarget: { id: reportId, line: await firstLine(reportId) },
      secrets: [name, file.md5, file.sha1, file.sha256, unknown, reportId, owner.email ?? ''],
      async spare() {
        const id = await uploadHashes(owner.client, [hex(20)], `Spare ${hex(4)}`);
        await waitForCompletion(owner.client, id); // settled, so no lookup writes behind later checks
        return { id, line: await firstLine(id) };
      },
    },
    {
      label: 'report (API)',
      routes: /^\/api\/v1\/reports\/:id(\/|$)/,
      holder: owner,
      targets: [{ id: reportId }],
      ownTarget: { id: reportId },
      secrets: [name, file.md5, file.sha1, file.sha256, unknown, owner.email ?? ''],
      async spare() {
        const id = await uploadHashes(owner.client, [hex(20)], `Spare ${hex(4)}`);
        await waitForCompletion(owner.client, id);
        return { id };
      },
    },
    {
      label: 'API token',
      routes: /^\/settings\/api-tokens\/:id\//,
      holder: owner,
      targets: [{ id: ownerToken.id }],
      ownTarget: { id: ownerToken.id },
      secrets: [tokenName, ownerToken.token],
      spare: async () => ({ id: (await createToken(owner.client, `Spare token ${hex(4)}`)).id }),
    },
    {
      label: 'user account (admin)',
      routes: /^\/admin\/users\/:id\//,
      holder: admin,
      targets: [{ id: await userId(admin.email) }, { id: await userId(owner.email) }],
      ownTarget: { id: await userId(owner.email) },
      secrets: [admin.email ?? '', owner.email ?? ''],
      spare: async () => ({ id: await userId(bystander.email) }),
    },
    {
      // A test of a shared key: admins only; it spends one call of the key, so the "spare" is the same key again.
      label: 'shared key (admin)',
      routes: /^\/admin\/keys\/:id\//,
      holder: admin,
      targets: [{ id: keyFingerprint(TEST_KEY) }],
      ownTarget: { id: keyFingerprint(TEST_KEY) },
      secrets: [TEST_KEY],
      spare: async () => ({ id: keyFingerprint(TEST_KEY) }),
    },
  ];
});

const routeName = (route: AppRoute) => `${route.method} ${route.path}`;
const withParams = () => routes.filter((r) => r.params.length > 0);
const resourceOf = (route: AppRoute) => resources.find((r) => r.routes.test(route.path));
/** The JSON API: bearer tokens only, no session, no pages. */
const isApi = (route: AppRoute) => route.path.startsWith('/api/');
/** JSON and CSV answer 404 to visitors; only pages may send them to the login form. */
const isPage = (route: AppRoute) => route.method === 'GET' && !isApi(route) && !/\.(json|csv)$/.test(route.path);

/** An API call with the party's own bearer token (none for the anonymous visitor), and no cookie. */
async function askApi(party: Party, route: AppRoute, path: string): Promise<Response & { html: string }> {
  const headers: Record<string, string> = party.token ? { authorization: `Bearer ${party.token}` } : {};
  const init: RequestInit = route.method === 'GET' ? { headers } : { method: route.method, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' };
  const response = await fetch(new URL(path, app.url), { ...init, redirect: 'manual' });
  return Object.assign(response, { html: await response.text() });
}

/** What the party gets for the route: a GET, or a POST of an empty form with the party's own valid token. */
async function ask(party: Party, route: AppRoute, path: string): Promise<Response & { html: string }> {
  if (isApi(route)) return askApi(party, route, path);
  if (route.method === 'GET') return party.client.get(path);
  if (route.method !== 'POST') throw new Error(`${routeName(route)}: teach route-guard.test.ts how to send ${route.method}`);
  // The token of a page of the party's own session: CSRF must not be what stops them.
  return party.client.postForm(path, {}, party.email ? '/reports/new' : '/login');
}

/**
 * The database as rows, to compare before and after: every table, sessions reduced to who is signed
 * in where (their expiry rolls forward on every request), API tokens without when they were last used,
 * no per-user rate windows: an upload counts against UPLOADS_PER_MINUTE when it starts, before its
 * body (and so its CSRF token) is read, refused or not (docs/behaviour.md); and no dispatcher state,
 * which only the lookup dispatcher writes, in the background (its turns up to a second late).
 */
async function databaseState(db: TestDatabase): Promise<Record<string, unknown[]>> {
  const state: Record<string, unknown[]> = {};
  for (const name of await tableNames(db)) {
    if (name === 'user_rate_windows' || name === 'dispatcher_state') continue;
    // Sorted here: PostgreSQL returns an updated row (a session's new expiry) in a new place.
    const rows = (await db.rows(`SELECT * FROM "${name}"`)).map((r) => {
      if (name === 'api_tokens') return { ...r, last_used_at: undefined };
      if (name === 'sessions') return { sid: r.sid, userId: (JSON.parse(String(r.sess)) as { userId?: number }).userId ?? null };
      return r;
    });
    state[name] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return state;
}

describe('routes that take an id, enumerated from the router', () => {
  test('when the router is listed, then the known routes are there and every route with an id has data this test can fill', () => {
    // The walk itself must work, or every check below would pass on an empty list.
    for (const known of ['GET /reports/:id', 'GET /reports/:id/export.csv', 'POST /reports/:id/delete', 'POST /admin/users/:id/disable', 'POST /logout', 'GET /api/v1/reports/:id', 'POST /settings/api-tokens/:id/revoke']) {
      assert.ok(routes.some((r) => routeName(r) === known), `${known} is not in the listed routes: ${routes.map(routeName).join(', ')}`);
    }
    const unfilled = withParams()
      .filter((r) => r.params.some((p) => !resourceOf(r)?.targets.every((t) => p in t)))
      .map(routeName);
    assert.deepEqual(unfilled, [], `routes with parameters nobody fills; add or extend a resource for them in route-guard.test.ts: ${unfilled.join(', ')}`);
  });

  test('when anyone but the holder asks for a route with an id, then 404 (a login redirect for anonymous pages, 401 on /api without a token) with none of the data, and nothing changes', async (t: TestContext) => {
    const before = await databaseState(app.db);

    for (const route of withParams()) {
      const resource = resourceOf(route);
      assert.ok(resource, `${routeName(route)} has no resource`);
      const attackers = Object.values(parties).filter((p) => p !== resource.holder);
      await t.test(routeName(route), async () => {
        for (const target of resource.targets) {
          const path = fillPath(route.path, target);
          for (const party of attackers) {
            // Act
            const answer = await ask(party, route, path);

            // Assert
            const where = `${route.method} ${path} as ${party.label}`;
            const location = answer.headers.get('location') ?? '';
            const toLogin = answer.status === 303 && location.startsWith('/login');
            const mayRedirect = party.email === null && isPage(route);
            const expected = isApi(route) && party.token === null ? 401 : 404;
            if (!(mayRedirect && toLogin)) assert.equal(answer.status, expected, `${where}: ${answer.status} ${location}`);
            // A redirect names the page asked for in ?next=: the visitor's own URL, not the owner's data.
            const secrets = resource.secrets.filter((s) => s !== party.email && !(toLogin && location.includes(s)));
            for (const secret of secrets) assert.ok(!answer.html.includes(secret), `${where} shows ${secret}`);
          }
        }
      });
    }

    assert.deepEqual(await databaseState(app.db), before, 'an attempt changed the database');
    for (const party of Object.values(parties).filter((p) => p.email)) {
      assert.equal((await party.client.get('/reports')).status, 200, `${party.label} is still signed in`);
    }
  });

  test('when the holder uses each route with an id on their own data, then it works (so the 404s above were the guard\'s)', async (t: TestContext) => {
    for (const route of withParams()) {
      const resource = resourceOf(route);
      assert.ok(resource, `${routeName(route)} has no resource`);
      await t.test(routeName(route), async () => {
        // GETs on the data the others were refused; POSTs on a spare, as they may destroy it.
        const target = route.method === 'GET' ? resource.ownTarget : await resource.spare();
        const answer = await ask(resource.holder, route, fillPath(route.path, target));
        // Pages redirect after a POST; the API answers its JSON (watch, unwatch).
        assert.equal(answer.status, route.method === 'GET' || isApi(route) ? 200 : 303, `${route.method} as ${resource.holder.label}: ${answer.html.slice(0, 200)}`);
      });
    }
  });
});

describe('CSRF on every state-changing route, enumerated from the router', () => {
  /** A valid form for the route, so that the token is all that is missing. A route not listed gets an empty form: the token is checked first, so it must still be refused. */
  const validForm = (route: AppRoute, actor: Party): { fields: Record<string, string>; multipart?: true } => {
    switch (routeName(route)) {
      case 'POST /register': return { fields: { email: uniqueEmail('csrf'), password: PASSWORD, confirm: PASSWORD } };
      case 'POST /login': return { fields: { email: actor.email ?? '', password: PASSWORD } };
      case 'POST /reports': return { fields: { hashes: hex(16), name: 'Forged upload' }, multipart: true };
      case 'POST /settings/api-key': return { fields: { key: hex(32), perMinute: '9', perDay: '900' } };
      case 'POST /settings/api-tokens': return { fields: { tokenName: 'Forged token' } };
      // Forms that would change the password or delete the account if the token were not checked.
      case 'POST /settings/password': return { fields: { currentPassword: PASSWORD, newPassword: `${PASSWORD}-changed`, confirm: `${PASSWORD}-changed` } };
      case 'POST /settings/account/delete': return { fields: { confirmation: 'DELETE', password: PASSWORD } };
      default: return { fields: {} };
    }
  };

  /** Who could make the request for real: the resource's holder, the admin on admin pages, else a user with an API key. */
  const actorFor = (route: AppRoute) => resourceOf(route)?.holder ?? (route.path.startsWith('/admin') ? parties.admin : parties.other);

  test('when a signed-in user POSTs to any route without a valid token, then 403 "Form expired" and nothing changes', async (t: TestContext) => {
    /** What a forger has: nothing, a guess, or the valid token of a session of their own. */
    const forgeriesAgainst = async (actor: Party): Promise<Array<{ label: string; token?: string; header?: string }>> => {
      const forger = actor === parties.owner ? parties.other : parties.owner;
      await forger.client.get('/reports/new');
      // The token of the actor's own browser before sign-in: valid for its anonymous-form cookie, never for a session.
      const sameBrowserSignedOut = new HttpClient(app.url, new Map([[ANONYMOUS_COOKIE, actor.client.cookie(ANONYMOUS_COOKIE) ?? '']]));
      await sameBrowserSignedOut.get('/login');
      return [
        { label: 'no token' },
        { label: 'a made-up token', token: hex(32) },
        { label: `the valid token of ${forger.label}'s session`, token: forger.client.csrfToken() },
        { label: 'a made-up X-CSRF-Token header', header: hex(32) },
        { label: `the anonymous-form token of ${actor.label}'s own browser`, token: sameBrowserSignedOut.csrfToken() },
      ];
    };
    const posts = routes.filter((r) => r.method === 'POST' && !isApi(r));
    assert.ok(posts.length >= 5, `only ${posts.length} POST routes listed`);

    for (const route of posts) {
      const actor = actorFor(route);
      const path = fillPath(route.path, resourceOf(route)?.ownTarget ?? {});
      await t.test(`${routeName(route)} as ${actor.label}`, async () => {
        for (const forgery of await forgeriesAgainst(actor)) {
          // Arrange
          const before = await databaseState(app.db);
          const cookie = actor.client.cookie('hash_report.sid');
          const { fields, multipart } = validForm(route, actor);
          const form = forgery.token ? { _csrf: forgery.token, ...fields } : fields;
          const headers: Record<string, string> = forgery.header ? { 'x-csrf-token': forgery.header } : {};

          // Act
          const answer = multipart
            ? await postRaw(actor.client, path, multipartBody(Object.entries(form).map(([name, content]) => ({ name, content }))), undefined, headers)
            : await postRaw(actor.client, path, new URLSearchParams(form).toString(), 'application/x-www-form-urlencoded', headers);

          // Assert
          const where = `${route.method} ${path} with ${forgery.label}`;
          assert.equal(answer.status, 403, `${where}: ${answer.status} ${answer.headers.get('location') ?? ''}`);
          assert.match(answer.html, /<h1>Form expired<\/h1>/, where);
          assert.deepEqual(await databaseState(app.db), before, `${where} changed the database`);
          assert.equal(actor.client.cookie('hash_report.sid'), cookie, `${where} changed the session cookie`);
          assert.equal((await actor.client.get('/reports')).status, 200, `${where}: ${actor.label} is still signed in`);
        }
      });
    }
  });
});

describe('/api takes bearer tokens only, enumerated from the router', () => {
  /** The one route under /api that needs no token. */
  const PUBLIC_API = 'GET /api/v1/openapi.json';

  test('when a signed-in browser calls any /api route with its session cookie and a valid CSRF token but no bearer token, then 401 JSON, no cookie, and nothing changes', async (t: TestContext) => {
    const apiRoutes = routes.filter((r) => isApi(r) && routeName(r) !== PUBLIC_API);
    assert.ok(apiRoutes.length >= 5, `only ${apiRoutes.length} API routes listed`);
    const actor = parties.owner;
    await actor.client.get('/reports/new');
    const csrf = actor.client.csrfToken();

    for (const route of apiRoutes) {
      const path = fillPath(route.path, resourceOf(route)?.ownTarget ?? {});
      await t.test(routeName(route), async () => {
        // Arrange
        const before = await databaseState(app.db);
        const headers = { 'x-csrf-token': csrf };
        const body = JSON.stringify({ _csrf: csrf, value: hex(16), values: [hex(16)] });
        const init: RequestInit = route.method === 'GET' ? { headers } : { method: route.method, headers: { ...headers, 'content-type': 'application/json' }, body };

        // Act
        const answer = await actor.client.request(`${path}${route.method === 'GET' ? `?value=${hex(16)}` : ''}`, init);

        // Assert
        assert.equal(answer.status, 401, `${route.method} ${path}`);
        assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'missing_token');
        assert.equal(answer.headers.get('set-cookie'), null, 'the API set a cookie');
        assert.deepEqual(await databaseState(app.db), before, `${route.method} ${path} changed the database`);
      });
    }
  });
});
