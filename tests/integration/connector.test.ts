import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJson, waitForCompletion } from '../helpers/test-app.js';
import { connectorTestDeps } from '../helpers/connector.js';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { hex, newFile, signedIn } from '../helpers/factories.js';
import { runConnectorPass } from '../../src/connector/connector-pass.js';
import type { ConnectorConfig } from '../../src/connector/connector.config.js';
import { readWhole, settleFiles } from '../../src/connector/folder-files.js';

const fixture = (name: string) => new URL(`../fixtures/bad-input/${name}`, import.meta.url);

describe('the watched-folder connector, one pass at a time', () => {
  const roots: string[] = [];
  let count = 0;

  const app = appSuite();
  after(async () => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** A connector of its own (name, folder, output folder) for `ownerEmail`. */
  function newConnector(ownerEmail: string, overrides: Partial<ConnectorConfig> = {}): ConnectorConfig {
    const root = mkdtempSync(join(tmpdir(), 'hash-report-connector-'));
    roots.push(root);
    mkdirSync(join(root, 'in'));
    mkdirSync(join(root, 'out'));
    count += 1;
    return {
      name: `inbox-${count}`,
      folder: join(root, 'in'),
      ownerEmail,
      intervalMs: 60_000,
      outputFolder: join(root, 'out'),
      emailOnCompletion: false,
      settleMs: 20,
      ...overrides,
    };
  }

  const deps = (logLines?: string[]) => connectorTestDeps(app, logLines);

  const filesOf = (connector: ConnectorConfig) =>
    app.runtime.database.db.selectFrom('connector_files').selectAll().where('connector', '=', connector.name).orderBy('id').execute();

  const reportsOf = (email: string) =>
    app.runtime.database.db
      .selectFrom('reports')
      .innerJoin('users', 'users.id', 'reports.user_id')
      .select(['reports.id', 'reports.name'])
      .where('users.email', '=', email)
      .execute();

  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

  test('when a new .txt file lands, then it becomes a report for the owner, moves to processed/, and once complete its JSON and CSV land in the output folder', async () => {
    // Arrange
    const owner = uniqueEmail('connector-owner');
    const client = await signedIn(app, owner);
    const stranger = await signedIn(app);
    const connector = newConnector(owner);
    const bad = newFile(app.sim);
    const good = newFile(app.sim, { malicious: 0 });
    const unknown = hex(32);
    const content = [bad.sha256, good.md5, unknown].join('\n');
    writeFileSync(join(connector.folder, 'incident-7.txt'), content);

    // Act
    const first = await runConnectorPass(deps(), connector);
    const [record] = await filesOf(connector);
    const reportId = record?.report_id ?? '';
    await waitForCompletion(client, reportId);
    const second = await runConnectorPass(deps(), connector);

    // Assert: the report is the owner's, named after the file, with a row per line
    assert.equal(first.imported, 1);
    assert.equal(record?.status, 'imported');
    assert.deepEqual(await reportsOf(owner), [{ id: reportId, name: 'incident-7.txt' }]);
    assert.equal((await stranger.request(`/reports/${reportId}/status.json`)).status, 404);
    const download = await exportJson(client, reportId);
    assert.deepEqual(
      download.items.map((i) => [i.line, i.input, i.verdict]),
      [
        [1, bad.sha256, 'malicious'],
        [2, good.md5, 'clean'],
        [3, unknown, 'not_found'],
      ],
    );
    // Assert: the file moved, whole, to processed/
    assert.deepEqual(readdirSync(connector.folder), ['processed']);
    assert.equal(readFileSync(join(connector.folder, 'processed', 'incident-7.txt'), 'utf8'), content);
    // Assert: the output folder holds the same files as the downloads, and nothing half-written
    assert.equal(second.outputs, 1);
    assert.deepEqual(readdirSync(connector.outputFolder).sort(), ['incident-7.csv', 'incident-7.json']);
    assert.deepEqual(readJson(join(connector.outputFolder, 'incident-7.json')), download);
    const csv = await (await client.request(`/reports/${reportId}/export.csv`)).text();
    assert.equal(readFileSync(join(connector.outputFolder, 'incident-7.csv'), 'utf8'), csv);
    assert.equal(csv.trim().split('\r\n').length, 4, 'a header and a line per row');
    assert.ok((await filesOf(connector))[0]?.output_written_at, 'the output is remembered as written');
    // Assert: a third pass writes nothing again
    assert.equal((await runConnectorPass(deps(), connector)).outputs, 0);
    assert.equal(readdirSync(connector.outputFolder).length, 2);
  });

  test('when a file holds lines that are not hashes, then they become invalid rows of the report, not dropped', async () => {
    // Arrange
    const owner = uniqueEmail('connector-owner');
    const client = await signedIn(app, owner);
    const connector = newConnector(owner);
    const file = newFile(app.sim);
    writeFileSync(join(connector.folder, 'mixed.txt'), ['hello world', file.sha1, '', 'zz-not-hex-zz'].join('\r\n'));

    // Act
    await runConnectorPass(deps(), connector);
    const [record] = await filesOf(connector);
    await waitForCompletion(client, record?.report_id ?? '');
    const report = await exportJson(client, record?.report_id ?? '');

    // Assert
    assert.deepEqual(
      report.items.map((i) => [i.line, i.input, i.status]),
      [
        [1, 'hello world', 'invalid'],
        [2, file.sha1, 'found'],
        [4, 'zz-not-hex-zz', 'invalid'],
      ],
    );
    assert.equal(report.counts.invalid, 2);
  });

  test('when a file repeats content already imported, then no second report is made, it moves to processed/ and a note names the earlier report', async () => {
    // Arrange
    const owner = uniqueEmail('connector-owner');
    await signedIn(app, owner);
    const connector = newConnector(owner);
    const content = `${hex(32)}\n${hex(16)}\n`;
    writeFileSync(join(connector.folder, 'monday.txt'), content);
    await runConnectorPass(deps(), connector);
    const [earlier] = await reportsOf(owner);

    // Act
    writeFileSync(join(connector.folder, 'tuesday.txt'), content);
    const pass = await runConnectorPass(deps(), connector);

    // Assert
    assert.equal(pass.duplicates, 1);
    assert.equal(pass.imported, 0);
    assert.equal((await reportsOf(owner)).length, 1, 'still one report');
    assert.deepEqual(readdirSync(join(connector.folder, 'processed')).sort(), ['monday.txt', 'tuesday.txt']);
    const note = readJson(join(connector.outputFolder, 'tuesday.txt.duplicate.json'));
    assert.equal(note.status, 'duplicate');
    assert.deepEqual((note.earlierReport as Record<string, unknown>).id, earlier?.id);
    assert.equal((note.earlierReport as Record<string, unknown>).file, 'monday.txt');
    assert.match(String(note.message), /Same content as monday\.txt/);
    const records = await filesOf(connector);
    assert.deepEqual(records.map((r) => [r.file_name, r.status, r.report_id === null]), [
      ['monday.txt', 'imported', false],
      ['tuesday.txt', 'duplicate', true],
    ]);
  });

  test('when a file is empty or not UTF-8 text, then it makes no report, moves to processed/ and an error note gives the reason', async () => {
    // Arrange
    const owner = uniqueEmail('connector-owner');
    await signedIn(app, owner);
    const connector = newConnector(owner);
    writeFileSync(join(connector.folder, 'empty.txt'), '');
    writeFileSync(join(connector.folder, 'notes-utf16.txt'), readFileSync(fixture('utf16le-bom.txt')));
    writeFileSync(join(connector.folder, 'blank-lines.txt'), '\n   \n\n');

    // Act
    const pass = await runConnectorPass(deps(), connector);

    // Assert
    assert.equal(pass.errors, 3);
    assert.equal(pass.imported, 0);
    assert.deepEqual(await reportsOf(owner), []);
    assert.deepEqual(readdirSync(join(connector.folder, 'processed')).sort(), ['blank-lines.txt', 'empty.txt', 'notes-utf16.txt']);
    assert.equal(readFileSync(join(connector.folder, 'processed', 'empty.txt')).length, 0, 'kept as it came');
    assert.deepEqual(readdirSync(connector.outputFolder).sort(), ['blank-lines.txt.error.json', 'empty.txt.error.json', 'notes-utf16.txt.error.json']);
    assert.equal(readJson(join(connector.outputFolder, 'empty.txt.error.json')).message, 'The file is empty.');
    assert.match(String(readJson(join(connector.outputFolder, 'notes-utf16.txt.error.json')).message), /UTF-16/);
    assert.match(String(readJson(join(connector.outputFolder, 'blank-lines.txt.error.json')).message), /blank/i);
  });

  test('when a file is still being written during a pass, then it is not read; once finished, the next pass reads it whole', async () => {
    // Arrange: a writer appending a line every few milliseconds, like a slow copy
    const owner = uniqueEmail('connector-owner');
    const client = await signedIn(app, owner);
    const connector = newConnector(owner, { settleMs: 150 });
    const path = join(connector.folder, 'slow-copy.txt');
    const written: string[] = [];
    const writeLine = () => {
      const line = hex(32);
      written.push(line);
      appendFileSync(path, `${line}\n`);
    };
    for (let i = 0; i < 20; i++) writeLine();
    const writer = setInterval(writeLine, 5);

    // Act: a pass while the writer runs, then the end of the file, then another pass
    const during = await runConnectorPass(deps(), connector).finally(() => clearInterval(writer));
    const untouched = existsSync(path) && (await filesOf(connector)).length === 0;
    for (let i = 0; i < 20; i++) writeLine();
    const afterwards = await runConnectorPass(deps(), connector);

    // Assert
    assert.equal(during.waiting, 1);
    assert.equal(during.imported, 0);
    assert.ok(untouched, 'the file stayed in the folder and nothing was recorded');
    assert.equal(afterwards.imported, 1);
    const [record] = await filesOf(connector);
    const report = await exportJson(client, record?.report_id ?? '');
    assert.ok(written.length > 40, 'the writer wrote during the first pass');
    assert.deepEqual(report.items.map((i) => i.input), written, 'every line, in order');
    assert.equal(readFileSync(join(connector.folder, 'processed', 'slow-copy.txt'), 'utf8'), written.map((l) => `${l}\n`).join(''));
  });

  test('when a settled file grows before it is read, then the read is refused rather than taking half of it', async () => {
    // Arrange
    const root = mkdtempSync(join(tmpdir(), 'hash-report-connector-'));
    roots.push(root);
    writeFileSync(join(root, 'list.txt'), `${hex(32)}\n`);
    const { settled } = await settleFiles(root, ['list.txt'], 0);
    const [file] = settled;
    assert.ok(file);

    // Act
    appendFileSync(join(root, 'list.txt'), `${hex(32)}\n`);
    const content = await readWhole(file);

    // Assert
    assert.equal(content, null);
  });

  test('when the owner has no account, then the files stay in the folder and the error is logged', async () => {
    // Arrange
    const owner = uniqueEmail('never-registered');
    const connector = newConnector(owner);
    writeFileSync(join(connector.folder, 'waiting.txt'), `${hex(32)}\n`);
    const log: string[] = [];

    // Act
    const pass = await runConnectorPass(deps(log), connector);

    // Assert
    assert.equal(pass.ownerMissing, true);
    assert.deepEqual(readdirSync(connector.folder), ['waiting.txt']);
    assert.deepEqual(await filesOf(connector), []);
    const entry = log.map((l) => JSON.parse(l) as { level: number; owner?: string; msg: string }).find((l) => l.level >= 50);
    assert.equal(entry?.owner, owner);
    assert.match(entry?.msg ?? '', /no account/);
  });

  test('when a file of the same name was processed before, then neither processed/ nor the output folder loses the earlier file', async () => {
    // Arrange
    const owner = uniqueEmail('connector-owner');
    const client = await signedIn(app, owner);
    const connector = newConnector(owner);
    const [first, second] = [`${newFile(app.sim).sha256}\n`, `${newFile(app.sim).sha256}\n`];
    writeFileSync(join(connector.folder, 'daily.txt'), first);
    await runConnectorPass(deps(), connector);

    // Act
    writeFileSync(join(connector.folder, 'daily.txt'), second);
    await runConnectorPass(deps(), connector);
    for (const record of await filesOf(connector)) await waitForCompletion(client, record.report_id ?? '');
    await runConnectorPass(deps(), connector);

    // Assert
    const processed = join(connector.folder, 'processed');
    assert.equal(readFileSync(join(processed, 'daily.txt'), 'utf8'), first);
    assert.equal(readFileSync(join(processed, 'daily-1.txt'), 'utf8'), second);
    assert.deepEqual(readdirSync(connector.outputFolder).sort(), ['daily-1.csv', 'daily-1.json', 'daily.csv', 'daily.json']);
    const inputs = (name: string) => (readJson(join(connector.outputFolder, name)).items as Array<{ input: string }>).map((i) => i.input);
    assert.deepEqual([...inputs('daily.json'), ...inputs('daily-1.json')].sort(), [first.trim(), second.trim()].sort());
  });
});
