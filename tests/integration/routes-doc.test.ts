/**
 * docs/routes.md lists every URL of the app. When the router and that table disagree, this test says
 * which METHOD + path is missing on which side, so the table cannot drift from the code.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { listRoutes } from '../helpers/routes.js';

const ROUTES_DOC = new URL('../../docs/routes.md', import.meta.url);

/** `METHOD /path` of each row of the doc's table: `| GET | \`/reports/:id\` | … |`. */
function documentedRoutes(markdown: string): string[] {
  const rows: string[] = [];
  for (const line of markdown.split('\n')) {
    const match = /^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|/.exec(line);
    if (match) rows.push(`${match[1]} ${match[2]}`);
  }
  return rows;
}

let app: TestApp;

before(async () => {
  app = await startTestApp();
});

after(async () => {
  await app?.stop();
});

test('when the app starts, then docs/routes.md lists exactly the routes its router serves', () => {
  // Arrange
  const documented = documentedRoutes(readFileSync(ROUTES_DOC, 'utf8'));
  const served = listRoutes(app.runtime.app).map((r) => `${r.method} ${r.path}`);

  // Act
  const problems = [
    ...served.filter((route) => !documented.includes(route)).map((route) => `served, missing from docs/routes.md: ${route}`),
    ...documented.filter((route) => !served.includes(route)).map((route) => `in docs/routes.md, not served: ${route}`),
    ...documented.filter((route, i) => documented.indexOf(route) !== i).map((route) => `listed twice in docs/routes.md: ${route}`),
  ];

  // Assert
  assert.ok(documented.length > 0, 'docs/routes.md has a table of routes');
  assert.deepEqual(problems, [], 'docs/routes.md and the router disagree: add, fix or remove the rows named');
});
