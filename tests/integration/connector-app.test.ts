import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { uniqueEmail } from '../helpers/http-client.js';
import { newFile, signedIn } from '../helpers/factories.js';

describe('the connector inside the app', () => {
  let root: string;
  let connector: { folder: string; outputFolder: string };
  const owner = uniqueEmail('connector-owner');

  const app = appSuite(() => {
    root = mkdtempSync(join(tmpdir(), 'hash-report-connector-app-'));
    connector = { folder: join(root, 'in'), outputFolder: join(root, 'out') };
    mkdirSync(connector.folder);
    mkdirSync(connector.outputFolder);
    const file = join(root, 'connectors.json');
    writeFileSync(
      file,
      JSON.stringify({
        connectors: [{ name: 'drop', folder: 'in', ownerEmail: owner, intervalSeconds: 0.1, outputFolder: 'out', settleSeconds: 0.05, emailOnCompletion: true }],
      }),
    );
    return { env: { CONNECTORS_FILE: file }, mail: true };
  });
  after(async () => {
    rmSync(root, { recursive: true, force: true });
  });

  test('when CONNECTORS_FILE is set, then the app watches the folder itself, writes the finished report to the output folder and emails the owner', async () => {
    // Arrange
    await signedIn(app, owner);
    const file = newFile(app.sim);

    // Act
    writeFileSync(join(connector.folder, 'from-the-scanner.txt'), `${file.sha256}\nnot a hash\n`);
    const output = join(connector.outputFolder, 'from-the-scanner.json');
    const csv = join(connector.outputFolder, 'from-the-scanner.csv');
    await waitFor(async () => existsSync(output) && existsSync(csv), 'the report JSON and CSV in the output folder', 20_000);

    // Assert
    const report = JSON.parse(readFileSync(output, 'utf8')) as { name: string; status: string; items: Array<{ input: string; verdict: string }> };
    assert.equal(report.name, 'from-the-scanner.txt');
    assert.equal(report.status, 'completed');
    assert.deepEqual(report.items.map((i) => [i.input, i.verdict]), [
      [file.sha256, 'malicious'],
      ['not a hash', 'invalid'],
    ]);
    assert.match(readFileSync(csv, 'utf8'), new RegExp(file.sha256));
    assert.deepEqual(readdirSync(join(connector.folder, 'processed')), ['from-the-scanner.txt']);
    const [mail] = (await app.smtp?.waitForMessages(1)) ?? [];
    assert.equal(mail?.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : null, owner);
    assert.match(mail?.text ?? '', /from-the-scanner\.txt/);
  });
});
