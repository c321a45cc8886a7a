import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitForCompletion } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { newFile, signedIn, uploadHashes } from '../helpers/factories.js';
import { pdfPages } from '../helpers/pdf-text.js';

describe('the PDF download', () => {
  const app = appSuite();

  test('when the owner downloads the PDF of a filtered view, then it holds the title, counts and only the matching rows', async () => {
    // Arrange
    const client = await signedIn(app);
    const bad = newFile(app.sim, { malicious: 9, fortinet: 'W32/Evil.A!tr' });
    const fine = newFile(app.sim, { malicious: 0 });
    const id = await uploadHashes(client, [bad.sha256, fine.sha256, 'junk line'], 'Triage week 47');
    await waitForCompletion(client, id);
    const page = await client.get(`/reports/${id}?verdict=malicious`);

    // Act
    const response = await client.request(`/reports/${id}/export.pdf?verdict=malicious`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = (await pdfPages(bytes)).join(' ');
    const other = await (await signedIn(app)).request(`/reports/${id}/export.pdf`);

    // Assert
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    assert.match(response.headers.get('content-disposition') ?? '', /Triage_week_47-filtered\.pdf/);
    assert.match(response.headers.get('cache-control') ?? '', /no-store/);
    assert.match(page.html, new RegExp(`/reports/${id}/export\\.pdf\\?verdict=malicious`), 'the page links the filtered PDF');
    assert.ok(text.includes('Triage week 47'));
    assert.ok(text.includes('those matching verdict malicious'));
    assert.ok(text.includes(bad.sha256) && text.includes('W32/Evil.A!tr') && text.includes('9 /'), text.slice(0, 600));
    assert.ok(!text.includes(fine.sha256) && !text.includes('junk line'), 'only the matching rows');
    assert.equal(other.status, 404, 'nobody else gets it');
  });
});
