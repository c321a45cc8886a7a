/**
 * Any text in, indicators out: the upload form's "Find indicators in the text" reads a threat report
 * for its values and shows them, with what it left out, before anything is stored; the confirm
 * button creates a report of exactly those values.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJson, reportIdFrom, waitForCompletion } from '../helpers/test-app.js';
import { textOf } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { newFile, signedIn } from '../helpers/factories.js';

/** Posts the upload form as the browser does when a given button is pressed. */
async function postUpload(client: HttpClient, fields: Record<string, string>, csrf?: string) {
  const token = csrf ?? (await client.get('/reports/new'), client.csrfToken());
  const form = new FormData();
  form.append('_csrf', token);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await client.request('/reports', { method: 'POST', body: form });
  return Object.assign(response, { html: await response.text() });
}

const decode = (html: string) => html.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('finding indicators in any text', () => {
  const app = appSuite();
  let client: HttpClient;
  let file: ReturnType<typeof newFile>;
  let report: string;

  before(async () => {
    client = await signedIn(app);
    file = newFile(app.sim, { malicious: 7, meaningfulName: 'loader.dll' });
    report = [
      'Subject: FW: Invoice overdue',
      `The attachment invoice.zip drops ${file.sha1.toUpperCase()} (see hxxps://tawuhoju[.]com/gate.php?id=${file.md5}),`,
      'which calls home to 1.1.1[.]1 and to 10.0.0.8 inside the network. Loader version 2.4.1.9.3; notes in report.pdf.',
      `Again: tawuhoju.com and ${file.sha1}.`,
    ].join('\n');
  });

  test('when a threat report is pasted and "Find indicators" pressed, then the page lists what was found and left out, and nothing is stored yet', async () => {
    // Arrange
    const reportsBefore = (await app.db.row<{ n: number }>('SELECT count(*) AS n FROM reports'))?.n;

    // Act
    const preview = await postUpload(client, { hashes: report, name: 'Phish 77', mode: 'extract' });

    // Assert
    assert.equal(preview.status, 200, preview.html.slice(0, 400));
    const text = textOf(preview.html);
    assert.match(text, /4 values to look up; 4 fragments left out/);
    for (const seen of [file.sha1, 'tawuhoju.com', `hxxps://tawuhoju[.]com/gate.php?id=${file.md5}`, file.md5, '1.1.1.1', '1.1.1[.]1']) assert.ok(decode(text).includes(seen), seen);
    const leftOut: Array<[string, string]> = [['invoice.zip', 'file name'], ['10.0.0.8', 'private'], ['2.4.1.9.3', 'version number'], ['report.pdf', 'no public suffix']];
    for (const [fragment, why] of leftOut) {
      assert.match(decode(text), new RegExp(`${fragment.replace(/\./g, '\\.')} [^|]*${why}`), fragment);
    }
    assert.equal((await app.db.row<{ n: number }>('SELECT count(*) AS n FROM reports'))?.n, reportsBefore, 'no report yet');
    assert.equal(app.sim.callsFor(file.sha1), 0, 'no lookup yet');
  });

  test('when the preview is confirmed, then the report holds exactly the values found, in order, and is looked up', async () => {
    // Arrange
    const preview = await postUpload(client, { hashes: report, name: 'Phish 77', mode: 'extract' });
    const list = decode(/<textarea name="hashes"[^>]*>([^<]*)<\/textarea>/.exec(preview.html)?.[1] ?? '');
    const name = decode(/<input id="name" name="name" type="text" maxlength="200" value="([^"]*)">/.exec(preview.html)?.[1] ?? '');

    // Act
    const created = await postUpload(client, { mode: 'list', hashes: list, name }, client.csrfToken(preview.html));
    const id = reportIdFrom(created);
    await waitForCompletion(client, id);
    const json = await exportJson(client, id);

    // Assert
    assert.equal(json.name, 'Phish 77');
    assert.deepEqual(json.items.map((i) => i.value), [file.sha1, 'tawuhoju.com', file.md5, '1.1.1.1']);
    assert.deepEqual(json.items.map((i) => i.status), ['found', 'found', 'found', 'found']);
    assert.equal((json as unknown as { sameFile: number }).sameFile, 1, 'its MD5 and SHA-1 are one file');
  });

  test('when the text holds no indicator, then the form says so and nothing is stored', async () => {
    const response = await postUpload(client, { hashes: 'Hello team, see report.pdf and version 1.2.3.4.5.', mode: 'extract' });
    assert.equal(response.status, 422);
    assert.match(textOf(response.html), /No hash, domain, IP address or URL was found in the text\./);
  });

  test('when the preview is posted without the form\'s CSRF token, then it is refused', async () => {
    const response = await postUpload(client, { hashes: report, mode: 'extract' }, 'not-the-token');
    assert.equal(response.status, 403);
  });

  test('when the form is sent with the default button, then a pasted text is still read as a list, line by line', async () => {
    const response = await postUpload(client, { hashes: `${file.md5}\nnot a value`, mode: 'list' });
    assert.equal(response.status, 303);
  });
});
