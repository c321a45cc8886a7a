/**
 * One file named by its MD5, its SHA-1 and its SHA-256 costs one VirusTotal call, not three: the
 * first answer names all three, and the queue holds the other names back while a call of another
 * hash type is in flight (see DispatchSelection), so they are answered from the cache when it lands.
 * The simulator's `callsFor` counts the calls for every name of a file.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appSuite } from '../helpers/app-suite.js';
import { exportJson, waitForCompletion } from '../helpers/test-app.js';
import { hex, newFile, signedIn, uploadHashes } from '../helpers/factories.js';

describe('one file listed under its three names', () => {
  const app = appSuite();

  test('when one list holds a file\'s MD5, SHA-1 and SHA-256 among other hashes, then VirusTotal is asked about that file once', async (t) => {
    // Arrange: a slow answer, so the other names are due while the first call is in flight.
    const client = await signedIn(app);
    const file = newFile(app.sim, { malicious: 7 });
    const others = [newFile(app.sim), newFile(app.sim)];
    app.sim.setLatency(300);
    t.after(() => app.sim.setLatency(0));

    // Act
    const id = await uploadHashes(client, [file.md5, others[0]?.sha256 ?? '', file.sha1, others[1]?.md5 ?? '', file.sha256.toUpperCase(), hex(32)]);
    await waitForCompletion(client, id);
    await app.runtime.scheduler.whenIdle();

    // Assert
    assert.equal(app.sim.callsFor(file.sha256), 1, 'one call for the file, under whichever name');
    const rows = (await exportJson(client, id)).items.filter((i) => i.sha256 === file.sha256);
    assert.deepEqual(rows.map((r) => [r.type, r.verdict, r.malicious]), [['md5', 'malicious', 7], ['sha1', 'malicious', 7], ['sha256', 'malicious', 7]]);
    for (const other of others) assert.equal(app.sim.callsFor(other.sha256), 1);
    assert.equal(app.sim.calls.length, 4, 'the two other files and the unknown hash: one call each');
  });

  test('when two users list one file at the same moment, one by its MD5 and one by its SHA-1, then VirusTotal is asked once', async (t) => {
    // Arrange
    const a = await signedIn(app);
    const b = await signedIn(app);
    const file = newFile(app.sim);
    app.sim.setLatency(300);
    t.after(() => app.sim.setLatency(0));

    // Act
    const [first, second] = await Promise.all([uploadHashes(a, [file.md5]), uploadHashes(b, [file.sha1])]);
    const [doneA, doneB] = await Promise.all([waitForCompletion(a, first), waitForCompletion(b, second)]);
    await app.runtime.scheduler.whenIdle();

    // Assert
    assert.equal(doneA.counts.malicious, 1);
    assert.equal(doneB.counts.malicious, 1);
    assert.equal(app.sim.callsFor(file.sha256), 1);
  });
});
