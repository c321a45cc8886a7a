import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appSuite } from '../helpers/app-suite.js';
import { signedIn, uploadHashes } from '../helpers/factories.js';
import { textOf } from '../helpers/page.js';
import { waitForCompletion } from '../helpers/test-app.js';

describe('row pages that explain their verdict', () => {
  const app = appSuite();

  test('when rows are answered from real captured answers, then each row page counts the engines and a domain says why its verdict', async () => {
    // Arrange
    const client = await signedIn(app);
    const id = await uploadHashes(client, ['44d88612fea8a8f36de82e1278abb02f', 'google.com', 'hxxp://tawuhoju[.]com/x']);
    await waitForCompletion(client, id);

    // Act
    const [eicar, google, tawuhoju] = await Promise.all([1, 2, 3].map(async (line) => textOf((await client.get(`/reports/${id}/items/${line}`)).html)));

    // Assert
    assert.match(eicar ?? '', /Detections 66 malicious · 0 suspicious of 71 engines/);
    assert.match(eicar ?? '', /Engines \(78\) 71 of 78 engines gave a verdict; 7 do not support this file type; the detections count only those\./);
    assert.match(google ?? '', /Detections 1 malicious · 0 suspicious of 94 engines Why not suspicious 1 of 94 engines say malicious, but reputation 448 is above 20/);
    assert.match(tawuhoju ?? '', /Why suspicious reputation −37, below −10/);
  });
});
