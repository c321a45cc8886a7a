import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/shared/config.js';
import { loadConnectorsFile } from '../../src/connector/connector.config.js';
import { startRuntime } from '../../src/runtime.js';

describe('connectors.json checked at start', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'hash-report-connectors-json-'));
    mkdirSync(join(root, 'in'));
    mkdirSync(join(root, 'out'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Writes `content` (an object as JSON, or raw text) to a new file in the temp folder. */
  function connectorsFile(content: unknown): string {
    const file = join(root, `connectors-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  function problemsOf(file: string): string {
    try {
      loadConnectorsFile(file);
    } catch (err) {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
      return err.message;
    }
    assert.fail('the file was accepted');
  }

  test('when a file is valid, then relative folders resolve from the file and the optional fields take their defaults', () => {
    // Arrange
    const file = connectorsFile({
      connectors: [{ name: 'scanner', folder: 'in', ownerEmail: ' Analyst@Example.TEST ', intervalSeconds: 30, outputFolder: './out' }],
    });

    // Act
    const connectors = loadConnectorsFile(file);

    // Assert
    assert.deepEqual(connectors, [
      {
        name: 'scanner',
        folder: join(root, 'in'),
        ownerEmail: 'analyst@example.test',
        intervalMs: 30_000,
        outputFolder: join(root, 'out'),
        emailOnCompletion: false,
        settleMs: 2000,
      },
    ]);
  });

  test('when fields are missing or wrong, then the error names the file and lists every problem with its connector', () => {
    // Arrange
    const file = connectorsFile({
      connectors: [
        { name: 'first', folder: 'in', outputFolder: 'out' },
        { name: 'second', folder: 'in', ownerEmail: 'not-an-email', intervalSeconds: 0, outputFolder: 'out', emailOnCompletion: 'yes', intervalSecs: 5 },
      ],
    });

    // Act
    const message = problemsOf(file);

    // Assert
    assert.match(message, new RegExp(`Invalid connectors file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const lines = message.split('\n').slice(1).map((l) => l.trim());
    assert.deepEqual(lines, [
      'connectors[0] (first).ownerEmail: is required',
      'connectors[0] (first).intervalSeconds: is required',
      'connectors[1] (second).ownerEmail: must be an email address',
      'connectors[1] (second).intervalSeconds: must be more than 0',
      'connectors[1] (second).emailOnCompletion: must be true or false',
      'connectors[1] (second): Unrecognized key: "intervalSecs"',
      `connectors[1] (second).folder: ${join(root, 'in')} is already watched by connectors[0]`,
    ]);
  });

  test('when a folder does not exist, then the error names the folder', () => {
    // Arrange
    const file = connectorsFile({
      connectors: [{ name: 'scanner', folder: 'no-such-inbox', ownerEmail: 'a@example.test', intervalSeconds: 5, outputFolder: 'no-such-out' }],
    });

    // Act
    const message = problemsOf(file);

    // Assert
    assert.match(message, /connectors\[0\] \(scanner\)\.folder: .*no-such-inbox is not an existing folder/);
    assert.match(message, /connectors\[0\] \(scanner\)\.outputFolder: .*no-such-out is not an existing folder/);
  });

  test('when the file is not valid JSON, or not there, or has no connectors, then the error says so', () => {
    // Act
    const badJson = problemsOf(connectorsFile('{"connectors": [ {"name": "x",, } ]'));
    const missing = problemsOf(join(root, 'absent.json'));
    const empty = problemsOf(connectorsFile({ connectors: [] }));
    const list = problemsOf(connectorsFile([]));

    // Assert
    assert.match(badJson, /is not valid JSON/);
    assert.match(missing, /absent\.json \(CONNECTORS_FILE\):\n {2}cannot be read: ENOENT/);
    assert.match(empty, /connectors: must list at least one connector/);
    assert.match(list, /\(file\): must be an object with a "connectors" list/);
  });

  test('when CONNECTORS_FILE is invalid, then the app refuses to start before it opens the database', async () => {
    // Arrange
    const databasePath = join(root, 'never-opened', 'app.sqlite');
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: databasePath, LOG_LEVEL: 'silent', CONNECTORS_FILE: connectorsFile('not json') });

    // Act + Assert
    await assert.rejects(startRuntime(config), (err: unknown) => err instanceof ConfigError && /is not valid JSON/.test(err.message));
    assert.equal(existsSync(databasePath), false);
  });
});
