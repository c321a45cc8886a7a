import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJson, reportIdFrom, reportStatus, waitForCompletion } from '../helpers/test-app.js';
import { tableRows, textOf } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import type { HttpClient } from '../helpers/http-client.js';
import { hex, newFile, signedIn } from '../helpers/factories.js';
import { EXPORT_COLUMNS } from '../../src/reports/files/export-row.js';

const EICAR = {
  md5: '44d88612fea8a8f36de82e1278abb02f',
  sha1: '3395856ce81f2b7382dee72602f798b642f14140',
  sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
};
const DLL = {
  md5: '546bb6ef89bebfb053999777f6930d7e',
  sha1: '44392b16e2db656104579e83d603b363bf91ccb2',
  sha256: '4bc00f7d638e042da764e8648c03c0db46700599dd4f08d117e3e9e8b538519b',
};

describe('a hash list uploaded and looked up to the end', () => {
  const app = appSuite();

  test('when a file with known, unknown, invalid, duplicate and blank lines is uploaded, then the report completes with exact counts, rows, exports and page', async () => {
    // Arrange
    const client = await signedIn(app);
    const unknown = hex(32);
    const lines = [
      EICAR.md5, //                         1: found by MD5
      '', //                                2: blank
      DLL.sha256, //                        3: found by SHA-256
      'not a hash at all', //               4: invalid
      `${unknown},unknown-sample.bin`, //   5: not found (CSV style, hash first)
      EICAR.md5.toUpperCase(), //           6: duplicate of line 1 in other case
      '   ', //                             7: blank
      '', //                                8: blank
    ];

    // Act
    const upload = await client.upload({ file: { name: 'incident-42.txt', content: lines.join('\r\n') } });
    const id = reportIdFrom(upload);
    const status = await waitForCompletion(client, id);
    const json = await exportJson(client, id);
    const csvResponse = await client.request(`/reports/${id}/export.csv`);
    const csv = await csvResponse.text();
    const page = await client.get(`/reports/${id}`);

    // Assert: status and counts
    assert.equal(upload.status, 303);
    assert.equal(status.status, 'completed');
    assert.equal(status.progress, 1);
    const counts = { total: 4, malicious: 2, suspicious: 0, clean: 0, notSuspicious: 0, notFound: 1, invalid: 1, error: 0, pending: 0 };
    assert.deepEqual(status.counts, counts);
    assert.equal(json.id, id);
    assert.equal(json.name, 'incident-42.txt', 'the name defaults to the file name');
    assert.equal(json.status, 'completed');
    assert.deepEqual(json.counts, counts);

    // Assert: items, in upload order, one per distinct hash, the invalid line kept
    assert.deepEqual(json.items.map((i) => i.line), [1, 3, 4, 5]);
    const [eicar, dll, invalid, notFound] = json.items;
    assert.ok(eicar && dll && invalid && notFound);
    assert.equal(typeof eicar.lookedUpAt, 'string');
    assert.deepEqual({ ...eicar, lookedUpAt: null }, {
      line: 1, input: EICAR.md5, value: EICAR.md5, type: 'md5', status: 'found', verdict: 'malicious',
      sha256: EICAR.sha256, sha1: EICAR.sha1, md5: EICAR.md5,
      malicious: 66, suspicious: 0, undetected: 5, harmless: 0, engines: 71,
      fortinet: 'EICAR_TEST_FILE', reputation: null, categories: null, asOwner: null, country: null,
      lastAnalysisDate: '2024-07-17T21:12:40.000Z', meaningfulName: 'eicar.com-32189', threatLabel: 'virus.eicar/test', lookedUpAt: null, fromCache: false,
      virusTotalUrl: `https://www.virustotal.com/gui/file/${EICAR.sha256}`, error: null,
    });
    assert.deepEqual({ ...dll, lookedUpAt: null }, {
      line: 3, input: DLL.sha256, value: DLL.sha256, type: 'sha256', status: 'found', verdict: 'malicious',
      sha256: DLL.sha256, sha1: DLL.sha1, md5: DLL.md5,
      malicious: 47, suspicious: 0, undetected: 18, harmless: 0, engines: 65,
      fortinet: 'W32/Dllhijacker.DG!tr', reputation: null, categories: null, asOwner: null, country: null,
      lastAnalysisDate: '2021-11-09T06:48:26.000Z', meaningfulName: null, threatLabel: 'trojan.dllhijacker/cometer', lookedUpAt: null, fromCache: false,
      virusTotalUrl: `https://www.virustotal.com/gui/file/${DLL.sha256}`, error: null,
    });
    assert.deepEqual(invalid, {
      line: 4, input: 'not a hash at all', value: null, type: null, status: 'invalid', verdict: 'invalid',
      sha256: null, sha1: null, md5: null, malicious: null, suspicious: null, undetected: null, harmless: null,
      engines: null, fortinet: null, reputation: null, categories: null, asOwner: null, country: null,
      lastAnalysisDate: null, meaningfulName: null, threatLabel: null, lookedUpAt: null, fromCache: null, virusTotalUrl: null, error: null,
    });
    assert.equal(notFound.line, 5);
    assert.equal(notFound.input, unknown);
    assert.equal(notFound.status, 'not_found');
    assert.equal(notFound.verdict, 'not_found');
    assert.equal(notFound.sha256, null);
    assert.equal(notFound.error, null);
    assert.equal(app.sim.callsFor(EICAR.md5), 1, 'the duplicate line costs no second call');
    assert.equal(app.sim.callsFor(unknown), 1);

    // Assert: CSV — a header and one row per item, in the same order
    assert.equal(csvResponse.status, 200);
    assert.match(csvResponse.headers.get('content-type') ?? '', /^text\/csv/);
    const csvLines = csv.trimEnd().split('\r\n');
    assert.equal(csvLines[0], EXPORT_COLUMNS.join(','));
    assert.equal(csvLines.length, 1 + 4, csv);
    assert.deepEqual(csvLines.slice(1).map((l) => l.split(',')[0]), ['1', '3', '4', '5']);
    const eicarCsv = csvLines[1]!.split(',');
    assert.equal(eicarCsv[EXPORT_COLUMNS.indexOf('sha256')], `"${EICAR.sha256}"`, 'text is quoted');
    assert.equal(eicarCsv[EXPORT_COLUMNS.indexOf('malicious')], '66');
    assert.equal(eicarCsv[EXPORT_COLUMNS.indexOf('engines')], '71');
    assert.equal(eicarCsv[EXPORT_COLUMNS.indexOf('fortinet')], '"EICAR_TEST_FILE"');
    assert.equal(csvLines[3]!.split(',')[EXPORT_COLUMNS.indexOf('status')], '"invalid"');

    // Assert: the page
    assert.equal(page.status, 200);
    const rows = tableRows(page.html);
    assert.equal(rows.length, 4);
    assert.match(textOf(rows[0]!), new RegExp(`1 ${EICAR.md5} MD5 malicious 66 / 71 EICAR_TEST_FILE`));
    assert.ok(rows[0]!.includes(`href="https://www.virustotal.com/gui/file/${EICAR.sha256}"`));
    assert.ok(rows[1]!.includes(`href="https://www.virustotal.com/gui/file/${DLL.sha256}"`));
    assert.match(textOf(rows[1]!), /47 \/ 65/);
    assert.match(textOf(rows[2]!), /4 not a hash at all — invalid/);
    assert.match(textOf(rows[3]!), new RegExp(`5 ${unknown} SHA-256 not found`));
    assert.ok(!rows[3]!.includes('virustotal.com/gui'), 'a hash VirusTotal does not know gets no link');
  });

  test('when hashes are pasted with a name, then the given name wins and the report completes', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 0 });

    // Act
    const response = await client.upload({ hashes: `${file.sha1}\n`, name: 'Phishing wave 7' });
    const id = reportIdFrom(response);
    await waitForCompletion(client, id);
    const json = await exportJson(client, id);

    // Assert
    assert.equal(response.status, 303);
    assert.equal(json.name, 'Phishing wave 7');
    assert.equal(json.items.length, 1);
    assert.equal(json.items[0]?.verdict, 'clean');
    assert.equal(json.items[0]?.sha256, file.sha256);
  });

  test('when a file is uploaded with a name, then the given name wins over the file name', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 0 });

    // Act
    const response = await client.upload({ file: { name: 'hashes.txt', content: file.md5 }, name: 'Case 1138' });
    const id = reportIdFrom(response);
    const json = await exportJson(client, id);
    const list = await client.get('/reports');

    // Assert
    assert.equal(json.name, 'Case 1138');
    assert.ok(list.html.includes('Case 1138'));
    assert.ok(!list.html.includes('hashes.txt'));
  });

  test('when hashes are pasted without a name, then the report gets a dated default name', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 0 });

    // Act
    const id = reportIdFrom(await client.upload({ hashes: file.md5 }));
    const json = await exportJson(client, id);

    // Assert
    assert.match(json.name, /^Pasted list, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  });
});

describe('a report is its owner\'s alone', () => {
  const app = appSuite();

  test('when another user asks for any route of a report, then every answer is 404 and shows nothing of it', async () => {
    // Arrange
    const owner = await signedIn(app);
    const other = await signedIn(app);
    const file = newFile(app.sim, { malicious: 0 });
    const unknown = hex(20);
    const name = `Secret incident ${hex(4)}`;
    const id = reportIdFrom(await owner.upload({ hashes: `${file.md5}\n${unknown}`, name }));
    await waitForCompletion(owner, id);
    await other.get('/reports'); // a page of B's own, for B's valid CSRF token
    const otherToken = other.csrfToken();

    // Act
    const answers = [
      await other.get(`/reports/${id}`),
      await other.get(`/reports/${id}/status.json`),
      await other.get(`/reports/${id}/export.json`),
      await other.get(`/reports/${id}/export.csv`),
      await other.postForm(`/reports/${id}/delete`, { _csrf: otherToken }),
    ];

    // Assert
    for (const answer of answers) {
      assert.equal(answer.status, 404, answer.url);
      for (const secret of [name, file.md5, file.sha256, unknown]) assert.ok(!answer.html.includes(secret), `${answer.url} leaks ${secret}`);
    }
    const stillThere = await owner.get(`/reports/${id}`);
    assert.equal(stillThere.status, 200, 'the report survives the other user\'s delete attempt');
    assert.ok(stillThere.html.includes(file.md5));
    assert.equal((await exportJson(owner, id)).items.length, 2);
  });

  test('when a visitor without a session asks for a report, then the page redirects to login and the data answers 404', async () => {
    // Arrange
    const owner = await signedIn(app);
    const file = newFile(app.sim, { malicious: 0 });
    const name = `Private ${hex(4)}`;
    const id = reportIdFrom(await owner.upload({ hashes: file.md5, name }));
    await waitForCompletion(owner, id);
    const anonymous = app.client();
    await anonymous.get('/login'); // a CSRF token bound to the anonymous-form cookie
    const token = anonymous.csrfToken();

    // Act
    const page = await anonymous.get(`/reports/${id}`);
    const data = [
      await anonymous.get(`/reports/${id}/status.json`),
      await anonymous.get(`/reports/${id}/export.json`),
      await anonymous.get(`/reports/${id}/export.csv`),
      await anonymous.postForm(`/reports/${id}/delete`, { _csrf: token }),
    ];

    // Assert
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location') ?? '', /^\/login\b/);
    for (const answer of data) {
      assert.equal(answer.status, 404, answer.url);
      for (const secret of [name, file.md5]) assert.ok(!answer.html.includes(secret));
    }
    assert.equal((await owner.get(`/reports/${id}`)).status, 200);
  });

  test('when a report id that does not exist is asked for, then it is the same 404', async () => {
    // Arrange
    const client = await signedIn(app);

    // Act
    const answer = await client.get(`/reports/${'A'.repeat(22)}`);
    const json = await client.get(`/reports/${'A'.repeat(22)}/export.json`);

    // Assert
    assert.equal(answer.status, 404);
    assert.equal(json.status, 404);
  });

  test('when the owner deletes a report, then it redirects to the list and the report is gone', async () => {
    // Arrange
    const owner = await signedIn(app);
    const file = newFile(app.sim, { malicious: 0 });
    const name = `Disposable ${hex(4)}`;
    const id = reportIdFrom(await owner.upload({ hashes: file.md5, name }));
    await waitForCompletion(owner, id);

    // Act
    const response = await owner.postForm(`/reports/${id}/delete`, {}, `/reports/${id}`);

    // Assert
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/reports');
    assert.equal((await owner.get(`/reports/${id}`)).status, 404);
    assert.equal((await owner.get(`/reports/${id}/export.json`)).status, 404);
    assert.ok(!(await owner.get('/reports')).html.includes(name));
  });
});

describe('uploads that cannot be read', () => {
  // 0.01 MB = 10,485 bytes
  const app = appSuite({ env: { MAX_UPLOAD_MB: '0.01' } });

  /** Uploads, and checks the form came back with the message and that no report exists. */
  async function assertRefused(
    fields: Parameters<HttpClient['upload']>[0],
    expected: { status: number; message: RegExp },
  ): Promise<void> {
    const client = await signedIn(app);

    const response = await client.upload(fields);

    assert.equal(response.status, expected.status, response.html.slice(0, 300));
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.ok(response.html.includes('action="/reports"'), 'the upload form is shown again');
    const alert = /<div class="alert" role="alert">([^<]*)<\/div>/.exec(response.html)?.[1] ?? '';
    assert.match(alert, expected.message);
    const list = await client.get('/reports');
    assert.ok(list.html.includes('No reports yet.'), 'no report was created');
  }

  test('when an empty file is uploaded, then the form says the file is empty, once, and the file field points at that message', async () => {
    await assertRefused({ file: { name: 'empty.txt', content: '' } }, { status: 422, message: /The file is empty\./ });

    // Issue 16: it said "The file is empty." at the top and "Nothing to look up." at the field.
    const response = await (await signedIn(app)).upload({ file: { name: 'empty.txt', content: '' } });
    assert.equal(textOf(response.html).split('The file is empty.').length - 1, 1, 'said once');
    assert.doesNotMatch(response.html, /Nothing to look up/);
    assert.match(response.html, /<input id="file" name="file" [^>]*aria-describedby="file-hint form-error" aria-invalid="true">/);
    assert.match(response.html, /<div id="form-error"><div class="alert" role="alert">The file is empty\.<\/div><\/div>/);
  });

  test('when nothing is chosen or pasted, then the form asks for a file or hashes', async () => {
    await assertRefused({ hashes: '  \n ' }, { status: 422, message: /Choose a hash file or paste hashes\./ });
  });

  test('when a binary file is uploaded, then the form says it looks binary', async () => {
    const content = Buffer.concat([Buffer.from(`${hex(16)}\n`), Buffer.from([0x4d, 0x5a, 0x00, 0x90, 0x00, 0x03])]);
    await assertRefused({ file: { name: 'sample.exe', content } }, { status: 422, message: /looks binary/ });
  });

  test('when a UTF-16 file is uploaded, then the form asks for UTF-8', async () => {
    const content = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${hex(16)}\r\n${hex(32)}\r\n`, 'utf16le')]);
    await assertRefused({ file: { name: 'excel-export.txt', content } }, { status: 422, message: /UTF-16.*UTF-8/ });
  });

  test('when a file holds no valid hash, domain or IP address, then the form says so', async () => {
    await assertRefused(
      { file: { name: 'notes.txt', content: 'hello\nthis is not a hash\n1234\nnotepad.exe\n' } },
      { status: 422, message: /No valid hash, domain or IP address was found/ },
    );
  });

  test('when a file holds only blank lines, then the form says every line is blank', async () => {
    await assertRefused({ file: { name: 'blank.txt', content: '\n\n  \r\n' } }, { status: 422, message: /every line is blank/ });
  });

  test('when a file is larger than MAX_UPLOAD_MB, then the form states the limit', async () => {
    const content = Array.from({ length: 320 }, () => hex(32)).join('\n'); // ~20 KB
    await assertRefused({ file: { name: 'big.txt', content } }, { status: 413, message: /larger than the 10 KB limit/ });
  });

  test('when pasted text is larger than MAX_UPLOAD_MB, then the form states the limit', async () => {
    const hashes = Array.from({ length: 320 }, () => hex(32)).join('\n');
    await assertRefused({ hashes }, { status: 413, message: /pasted text is larger than the 10 KB limit/ });
  });

  test('when a small list is pasted, then the upload is accepted', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 0 });

    // Act
    const response = await client.upload({ hashes: `${file.md5}\n` });
    const id = reportIdFrom(response);

    // Assert
    assert.equal(response.status, 303);
    assert.notEqual((await reportStatus(client, id)).counts.total, 0);
    await waitForCompletion(client, id);
  });
});
