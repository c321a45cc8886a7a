import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorTestDeps } from '../helpers/connector.js';
import { startTestApp, waitForCompletion, type TestApp } from '../helpers/test-app.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { newFile, signedIn } from '../helpers/factories.js';
import { runConnectorPass } from '../../src/connector/connector-pass.js';
import { MAX_OUTPUT_ATTEMPTS } from '../../src/connector/connector-output.js';
import type { ConnectorConfig } from '../../src/connector/connector.config.js';
import { readWhole, settleFiles, sha256OfFile } from '../../src/connector/folder-files.js';

// A watched folder is written by other people and programs. Whatever they put there, the connector
// reads only the regular file it looked at, and writes only into real directories.

describe('the connector and links, odd names and outputs that keep failing', () => {
  let app: TestApp;
  const roots: string[] = [];

  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app?.stop();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  const newRoot = () => {
    const root = mkdtempSync(join(tmpdir(), 'hash-report-links-'));
    roots.push(root);
    return root;
  };

  function newConnector(ownerEmail: string): ConnectorConfig {
    const root = newRoot();
    mkdirSync(join(root, 'in'));
    mkdirSync(join(root, 'out'));
    return { name: `links-${roots.length}`, folder: join(root, 'in'), ownerEmail, intervalMs: 60_000, outputFolder: join(root, 'out'), emailOnCompletion: false, settleMs: 0 };
  }

  const deps = (logLines?: string[]) => connectorTestDeps(app, logLines);

  /** A secret the app can read (its own key file, say) and a listed file of the same size and mtime. */
  function listedFileAndSecret() {
    const root = newRoot();
    const secret = join(root, 'secret.key');
    writeFileSync(secret, 'k'.repeat(64));
    const listed = join(root, 'list.txt');
    writeFileSync(listed, `${'a'.repeat(63)}\n`);
    const { mtime } = statSync(secret);
    utimesSync(listed, mtime, mtime);
    return { root, secret, listed };
  }

  test('when a settled file is swapped for a link to another file of the same size and time, then the link is not read', async () => {
    // Arrange
    const { root, secret, listed } = listedFileAndSecret();
    const { settled } = await settleFiles(root, ['list.txt'], 0);
    const [file] = settled;
    assert.ok(file);

    // Act
    unlinkSync(listed);
    symlinkSync(secret, listed);

    // Assert
    assert.equal(await readWhole(file), null);
    assert.equal(await sha256OfFile(file), null, 'nor hashed (the path of a file too large to import)');
  });

  test('when a listed file is a link from the start, then it is never settled', async () => {
    // Arrange
    const { root, secret } = listedFileAndSecret();
    symlinkSync(secret, join(root, 'linked.txt'));

    // Act
    const { settled, waiting } = await settleFiles(root, ['linked.txt'], 0);

    // Assert
    assert.deepEqual([settled, waiting], [[], []]);
  });

  test('when processed/ is a link to another folder, then dropped files stay where they are and nothing is moved there', async () => {
    // Arrange
    const owner = uniqueEmail('links-owner');
    await signedIn(app, owner);
    const connector = newConnector(owner);
    const elsewhere = join(newRoot(), 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(connector.folder, 'processed'));
    writeFileSync(join(connector.folder, 'drop.txt'), `${newFile(app.sim).sha256}\n`);
    const log: string[] = [];

    // Act
    const pass = await runConnectorPass(deps(log), connector);

    // Assert
    assert.equal(pass.imported, 0);
    assert.deepEqual(readdirSync(elsewhere), []);
    assert.deepEqual(readdirSync(connector.folder).sort(), ['drop.txt', 'processed']);
    assert.match(log.join(''), /processed\/ in the watched folder is not a directory/);
  });

  test('when the output folder is swapped for a link, then the report files are not written through it', async () => {
    // Arrange
    const owner = uniqueEmail('links-owner');
    const client = await signedIn(app, owner);
    const connector = newConnector(owner);
    writeFileSync(join(connector.folder, 'drop.txt'), `${newFile(app.sim).sha256}\n`);
    await runConnectorPass(deps(), connector);
    const [row] = await app.runtime.database.db.selectFrom('connector_files').select('report_id').where('connector', '=', connector.name).execute();
    await waitForCompletion(client, row?.report_id ?? '');
    const elsewhere = join(newRoot(), 'elsewhere');
    mkdirSync(elsewhere);
    rmSync(connector.outputFolder, { recursive: true });
    symlinkSync(elsewhere, connector.outputFolder);

    // Act
    const pass = await runConnectorPass(deps(), connector);

    // Assert
    assert.equal(pass.outputs, 0);
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  test('when a file name is as long as the file system allows, then its report and outputs are written with names that fit', async () => {
    // Arrange
    const owner = uniqueEmail('links-owner');
    const client = await signedIn(app, owner);
    const connector = newConnector(owner);
    const name = `${'n'.repeat(250)}.txt`;
    writeFileSync(join(connector.folder, name), `${newFile(app.sim).sha256}\n`);
    const log: string[] = [];
    await runConnectorPass(deps(log), connector);
    const [row] = await app.runtime.database.db.selectFrom('connector_files').select('report_id').where('connector', '=', connector.name).execute();
    await waitForCompletion(client, row?.report_id ?? '');

    // Act
    const pass = await runConnectorPass(deps(log), connector);

    // Assert
    assert.equal(pass.outputs, 1);
    const written = readdirSync(connector.outputFolder).sort();
    assert.deepEqual(written, [`${'n'.repeat(250)}.csv`, `${'n'.repeat(250)}.json`]);
    assert.doesNotMatch(log.join(''), /ENAMETOOLONG|could not write/);
  });

  test('when an output keeps failing, then after a few passes the connector gives up with an error note and stops trying', async () => {
    // Arrange: every name the report's JSON could take is already used in the output folder
    const owner = uniqueEmail('links-owner');
    const client = await signedIn(app, owner);
    const connector = newConnector(owner);
    writeFileSync(join(connector.folder, 'busy.txt'), `${newFile(app.sim).sha256}\n`);
    writeFileSync(join(connector.outputFolder, 'busy.json'), '');
    for (let n = 1; n <= 10_000; n++) writeFileSync(join(connector.outputFolder, `busy-${n}.json`), '');
    await runConnectorPass(deps(), connector);
    const [row] = await app.runtime.database.db.selectFrom('connector_files').select('report_id').where('connector', '=', connector.name).execute();
    await waitForCompletion(client, row?.report_id ?? '');
    const log: string[] = [];

    // Act
    for (let pass = 0; pass < MAX_OUTPUT_ATTEMPTS + 2; pass++) await runConnectorPass(deps(log), connector);

    // Assert
    const failures = log.filter((line) => line.includes('busy.txt'));
    assert.equal(failures.length, MAX_OUTPUT_ATTEMPTS, 'one log line a pass until it gives up, then none');
    assert.match(failures.at(-1) ?? '', /gave up/);
    const note = JSON.parse(readFileSync(join(connector.outputFolder, 'busy.txt.error.json'), 'utf8')) as { status: string; message: string };
    assert.equal(note.status, 'error');
    assert.match(note.message, new RegExp(`after ${MAX_OUTPUT_ATTEMPTS} attempts \\(no free name for busy\\.json`));
  });
});
