import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evictExpiredCache } from '../../src/lookups/cache-eviction.js';
import { exportJson, waitForCompletion } from '../helpers/test-app.js';
import { itemLinks } from '../helpers/page.js';
import { appSuite } from '../helpers/app-suite.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';
const EICAR_SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';

const engineRows = (html: string) => [...html.matchAll(/<tr class="c-[^"]*">\s*<td>([^<]*)<\/td>/g)].map((m) => m[1]!);

describe('the per-hash page', () => {
  const app = appSuite();

  test('when a found file is opened from its report, then every engine and the file facts from the real answer are shown, detections first', async () => {
    // Arrange
    const client = await signedIn(app);
    const id = await uploadHashes(client, [EICAR_MD5]);
    await waitForCompletion(client, id);
    const link = (await itemLinks(client, id)).get(EICAR_MD5);
    assert.ok(link, 'the row links to its page');

    // Act
    const page = await client.get(link);
    const byEngine = await client.get(`${link}?sort=engine`);

    // Assert
    assert.equal(page.status, 200);
    const engines = engineRows(page.html);
    assert.equal(engines.length, 78, 'every engine of the real EICAR answer');
    assert.match(page.html, /<tr class="c-malicious">\s*<td>Fortinet<\/td>[\s\S]*?EICAR_TEST_FILE[\s\S]*?2024-07-17/);
    const categories = [...page.html.matchAll(/<tr class="c-([^"]*)">/g)].map((m) => m[1]);
    assert.equal(categories.lastIndexOf('malicious'), 65, 'the 66 detections come first');
    for (const text of [EICAR_SHA256, EICAR_MD5, 'virus.eicar/test', 'eicar.com-32189', '3658', '68 bytes', 'known-distributor', 'data-copy="275a021b']) {
      assert.ok(page.html.includes(text), `the page shows ${text}`);
    }
    const sorted = engineRows(byEngine.html);
    assert.deepEqual(sorted, [...sorted].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
  });

  test('when rows were not found, invalid or failed, then their pages say so plainly', async () => {
    // Arrange
    const client = await signedIn(app);
    const unknown = hex(32);
    const broken = newFile(app.sim);
    app.sim.failNext(3, '503');
    const failed = await uploadHashes(client, [broken.sha1]);
    await waitForCompletion(client, failed);
    const id = await uploadHashes(client, [unknown, 'not-a-hash']);
    await waitForCompletion(client, id);
    const links = await itemLinks(client, id);

    // Act
    const notFound = await client.get(links.get(unknown)!);
    const invalid = await client.get(links.get('not-a-hash')!);
    const error = await client.get((await itemLinks(client, failed)).get(broken.sha1)!);

    // Assert
    assert.match(notFound.html, /VirusTotal has no record of this file[\s\S]*does not make it clean/);
    assert.match(invalid.html, /Line 2 is not an MD5, SHA-1 or SHA-256 hash/);
    assert.match(error.html, /The lookup failed: VirusTotal answered 503/);
    for (const page of [notFound, invalid, error]) assert.equal(engineRows(page.html).length, 0);
  });

  test('when the cache entry is evicted, then the page still shows every engine', async () => {
    // Arrange
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 4 });
    const id = await uploadHashes(client, [file.sha256]);
    await waitForCompletion(client, id);
    const link = (await itemLinks(client, id)).get(file.sha256)!;
    const before = engineRows((await client.get(link)).html).length;

    // Act
    await evictExpiredCache(app.runtime.database.db, 86_400_000, Date.now() + 2 * 86_400_000);
    const after = await client.get(link);

    // Assert
    assert.ok(before > 4);
    assert.equal(engineRows(after.html).length, before);
  });

  test("when another user asks for a row, or for a row of someone else's report under their own report, then 404", async () => {
    // Arrange
    const owner = await signedIn(app);
    const other = await signedIn(app);
    const secret = newFile(app.sim);
    const ownerReport = await uploadHashes(owner, [secret.md5]);
    await waitForCompletion(owner, ownerReport);
    const otherReport = await uploadHashes(other, [newFile(app.sim).md5]);
    await waitForCompletion(other, otherReport);
    const ownerLink = (await itemLinks(owner, ownerReport)).get(secret.md5)!;
    const line = ownerLink.split('/').pop()!;

    // Act
    const direct = await other.get(ownerLink);
    const swapped = await other.get(`/reports/${otherReport}/items/${line}`);
    const nonsense = await owner.get(`/reports/${ownerReport}/items/abc`);

    // Assert
    for (const page of [direct, nonsense]) {
      assert.equal(page.status, 404);
      assert.ok(!page.html.includes(secret.sha256));
    }
    // The same line under their own report is their own row, never the owner's.
    assert.equal(swapped.status, 200);
    assert.ok(!swapped.html.includes(secret.sha256));
    assert.equal((await exportJson(owner, ownerReport)).items.length, 1);
  });

  test("when two analysts upload lists with others' uploads in between, then each row's URL is its line, and the numbers say nothing about the others' rows", async () => {
    // Arrange: a colleague's uploads take global row ids between and around theirs
    const a = await signedIn(app);
    const b = await signedIn(app);
    const colleague = await signedIn(app);
    const fileA = newFile(app.sim);
    const fileB = newFile(app.sim);
    const idA = await uploadHashes(a, ['not a hash', fileA.md5]);
    await uploadHashes(colleague, Array.from({ length: 5 }, () => hex(32)));
    const idB = await uploadHashes(b, [fileB.md5]);
    await waitForCompletion(a, idA);
    await waitForCompletion(b, idB);

    // Act
    const linkA = (await itemLinks(a, idA)).get(fileA.md5);
    const linkB = (await itemLinks(b, idB)).get(fileB.md5);
    const byLine = await a.get(`/reports/${idA}/items/2`);
    const globalId = (await app.db.row<{ id: number }>('SELECT id FROM report_items WHERE report_id = ? AND line = 2', idA))?.id;
    const byOldId = await a.get(`/reports/${idA}/items/${globalId}`);

    // Assert
    assert.equal(linkA, `/reports/${idA}/items/2`, 'the second line of A\'s list');
    assert.equal(linkB, `/reports/${idB}/items/1`, 'B\'s first row is line 1, however many rows others uploaded before it');
    assert.equal(byLine.status, 200);
    assert.ok(byLine.html.includes(fileA.sha256));
    assert.ok(globalId !== undefined && globalId > 2, `row ids run across every report (${globalId})`);
    assert.equal(byOldId.status, 404, 'a URL with the row\'s global id finds nothing');
  });
});
