import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp } from '../helpers/test-app.js';
/** What HttpClient.register signs up with. */
const PASSWORD = 'correct horse battery';
import { hex, signedIn, uploadHashes } from '../helpers/factories.js';

// The database file holds password hashes, the session secret and every analyst's reports. Other
// local users must not read it, and what an analyst deletes must not stay readable in it.

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the database file at rest', () => {
  test('when the app creates its database, then its folder is 0700 and the file and its WAL are 0600', async () => {
    // Arrange
    const root = mkdtempSync(join(tmpdir(), 'hash-report-modes-'));
    const databasePath = join(root, 'data', 'app.sqlite');
    const app = await startTestApp({ databasePath });
    try {
      // Act: a write, so the WAL exists
      await signedIn(app);

      // Assert
      assert.equal(modeOf(join(root, 'data')).toString(8), '700');
      assert.equal(modeOf(databasePath).toString(8), '600');
      assert.equal(modeOf(`${databasePath}-wal`).toString(8), '600');
    } finally {
      await app.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('when an existing database file is world-readable, then the app takes it back to 0600 at start', async () => {
    // Arrange
    const root = mkdtempSync(join(tmpdir(), 'hash-report-modes-'));
    mkdirSync(join(root, 'data'));
    const databasePath = join(root, 'data', 'app.sqlite');
    writeFileSync(databasePath, '', { mode: 0o644 });

    // Act
    const app = await startTestApp({ databasePath });

    // Assert
    try {
      assert.equal(modeOf(databasePath).toString(8), '600');
    } finally {
      await app.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('when an analyst deletes their account, then their report names, lines and token names are no longer in the database file or its WAL', async () => {
    // Arrange
    const app = await startTestApp();
    try {
      const marker = `gone${hex(8)}`;
      const client = await signedIn(app);
      await uploadHashes(client, [hex(32), `${marker}-line`, `${marker}-second-line`], `${marker}-report`);
      const token = await client.postForm('/settings/api-tokens', { tokenName: `${marker}-token` }, '/settings');
      assert.equal(token.status, 303, 'the token form redirects to the page that shows it');
      const onDisk = () => [app.databasePath, `${app.databasePath}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('latin1')).join('');
      assert.ok(onDisk().includes(marker), 'the marker was written');

      // Act
      const deleted = await client.postForm('/settings/account/delete', { confirmation: 'DELETE', password: PASSWORD }, '/settings');

      // Assert
      assert.equal(deleted.status, 303);
      assert.equal(onDisk().includes(marker), false, 'the deleted account left its text readable on disk');
    } finally {
      await app.stop();
    }
  });

  test('when an analyst deletes a report, then its name and lines are no longer in the database file or its WAL', async () => {
    // Arrange
    const app = await startTestApp();
    try {
      const marker = `gone${hex(8)}`;
      const client = await signedIn(app);
      const id = await uploadHashes(client, [hex(32), `${marker}-line`], `${marker}-report`);
      const onDisk = () => [app.databasePath, `${app.databasePath}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('latin1')).join('');
      assert.ok(onDisk().includes(marker), 'the marker was written');

      // Act
      const deleted = await client.postForm(`/reports/${id}/delete`, {}, `/reports/${id}`);

      // Assert
      assert.equal(deleted.status, 303);
      assert.equal(onDisk().includes(marker), false, 'the deleted report left its text readable on disk');
    } finally {
      await app.stop();
    }
  });
});
