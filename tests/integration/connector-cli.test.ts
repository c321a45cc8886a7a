import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor, waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { newFile, signedIn } from '../helpers/factories.js';
import { run } from '../helpers/cli.js';

const root = new URL('../../', import.meta.url);

const connectorOnce = (env: Record<string, string>) => run('npm', ['run', '--silent', 'connector', '--', '--once'], env);

describe('npm run connector, a process of its own', () => {
  let dir: string;
  const app = appSuite();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hash-report-connector-cli-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('when run once against the database and a folder with a new file, then it exits 0 having made the report; run again after completion, it writes the outputs', async () => {
    // Arrange: the app's database holds the owner; the connector process shares the file
    const owner = uniqueEmail('cron-owner');
    const client = await signedIn(app, owner);
    mkdirSync(join(dir, 'inbox'));
    mkdirSync(join(dir, 'reports'));
    const connectors = join(dir, 'connectors.json');
    writeFileSync(
      connectors,
      JSON.stringify({ connectors: [{ name: 'cron', folder: 'inbox', ownerEmail: owner, intervalSeconds: 60, outputFolder: 'reports', settleSeconds: 0.05 }] }),
    );
    const file = newFile(app.sim);
    writeFileSync(join(dir, 'inbox', 'nightly.txt'), `${file.md5}\n`);
    const env = { ...app.databaseEnv, CONNECTORS_FILE: connectors };

    // Act: the first run imports
    const first = await connectorOnce(env);

    // Assert
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /cron: 1 imported, 0 duplicate, 0 error, 0 written to the output folder/);
    const report = await app.runtime.database.db
      .selectFrom('connector_files')
      .innerJoin('reports', 'reports.id', 'connector_files.report_id')
      .innerJoin('users', 'users.id', 'reports.user_id')
      .select(['reports.id', 'reports.name', 'users.email'])
      .where('connector_files.connector', '=', 'cron')
      .executeTakeFirstOrThrow();
    assert.deepEqual({ name: report.name, email: report.email }, { name: 'nightly.txt', email: owner });
    assert.deepEqual(readdirSync(join(dir, 'inbox', 'processed')), ['nightly.txt']);

    // Act: the app does the lookups (its scheduler reads the queue from the database), then cron runs again
    app.runtime.lookups.wake();
    await waitForCompletion(client, report.id);
    const second = await connectorOnce(env);

    // Assert
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /cron: 0 imported, 0 duplicate, 0 error, 1 written to the output folder/);
    const json = JSON.parse(readFileSync(join(dir, 'reports', 'nightly.json'), 'utf8')) as { id: string; items: Array<{ input: string; verdict: string }> };
    assert.equal(json.id, report.id);
    assert.deepEqual(json.items.map((i) => [i.input, i.verdict]), [[file.md5, 'malicious']]);
    assert.match(readFileSync(join(dir, 'reports', 'nightly.csv'), 'utf8'), new RegExp(`^line,input,.*\\r\\n1,"${file.md5}",`, 's'));
  });

  test('when run without --once, then it takes files every interval until SIGTERM, and then exits 0', async () => {
    // Arrange
    const owner = uniqueEmail('loop-owner');
    await signedIn(app, owner);
    const base = mkdtempSync(join(dir, 'loop-'));
    mkdirSync(join(base, 'inbox'));
    mkdirSync(join(base, 'reports'));
    const connectors = join(base, 'connectors.json');
    writeFileSync(
      connectors,
      JSON.stringify({ connectors: [{ name: 'loop', folder: 'inbox', ownerEmail: owner, intervalSeconds: 0.1, outputFolder: 'reports', settleSeconds: 0.05 }] }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/connector.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...app.databaseEnv, CONNECTORS_FILE: connectors },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    // Act: a file dropped while the loop runs, then SIGTERM
    await waitFor(async () => /watching folders/.test(output), `the loop to start; output: ${output}`, 20_000);
    writeFileSync(join(base, 'inbox', 'later.txt'), `${newFile(app.sim).sha256}\n`);
    await waitFor(async () => existsSync(join(base, 'inbox', 'processed', 'later.txt')), 'the loop to take the file', 20_000);
    child.kill('SIGTERM');
    const [code] = await exited;

    // Assert
    assert.equal(code, 0, output);
    assert.match(output, /stopping connectors/);
    const reports = await app.runtime.database.db.selectFrom('connector_files').select('report_id').where('connector', '=', 'loop').execute();
    assert.equal(reports.length, 1);
    assert.ok(reports[0]?.report_id);
  });

  test('when connectors.json is invalid, then it exits 1 with the problems and touches no database', async () => {
    // Arrange
    const databasePath = join(dir, 'untouched', 'app.sqlite');
    const connectors = join(dir, 'broken.json');
    writeFileSync(connectors, JSON.stringify({ connectors: [{ name: 'broken', folder: 'missing-folder' }] }));

    // Act
    const result = await connectorOnce({ DATABASE_PATH: databasePath, CONNECTORS_FILE: connectors });

    // Assert
    assert.equal(result.code, 1);
    assert.match(result.output, /Invalid connectors file .*broken\.json/);
    assert.match(result.output, /connectors\[0\] \(broken\)\.ownerEmail: is required/);
    assert.match(result.output, /connectors\[0\] \(broken\)\.folder: .*missing-folder is not an existing folder/);
    assert.equal(existsSync(databasePath), false);
  });

  test('when connectors.json is invalid, then npm start refuses to start with the same message', async () => {
    // Arrange
    const connectors = join(dir, 'not-json.json');
    writeFileSync(connectors, '{ "connectors": [');

    // Act
    const result = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'main-never', 'app.sqlite'),
      CONNECTORS_FILE: connectors,
    });

    // Assert
    assert.equal(result.code, 1);
    assert.match(result.output, /Invalid connectors file .*not-json\.json \(CONNECTORS_FILE\):\n {2}is not valid JSON/);
  });
});
