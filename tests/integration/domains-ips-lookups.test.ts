import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { reportStatus, waitForCompletion, type TestApp } from '../helpers/test-app.js';
import { appSuite } from '../helpers/app-suite.js';
import { signedIn, uploadHashes } from '../helpers/factories.js';

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';

/** The rows of a report as stored, in line order: what every page and export is built from. */
async function rowsOf(app: TestApp, reportId: string) {
  return app.runtime.database.db
    .selectFrom('report_items')
    .select(['line', 'input', 'hash', 'hash_type', 'status', 'verdict', 'reputation', 'categories', 'as_owner', 'country', 'fortinet', 'malicious', 'engines', 'answer_id', 'from_cache'])
    .where('report_id', '=', reportId)
    .orderBy('line')
    .execute();
}

describe('domains and IP addresses through the lookup pipeline (real VirusTotal captures on the fake)', () => {
  const app = appSuite();

  test('when a mixed list is uploaded, then each domain and IP is looked up once at its own endpoint and gets its verdict by reputation', async () => {
    // Arrange
    const analyst = await signedIn(app);
    const list = [EICAR_MD5, 'google.com', 'hxxp://tawuhoju[.]com/payload.exe', '1.1.1[.]1', '142.251.220.110', 'never-seen.example.org', 'notepad.exe'];

    // Act
    const id = await uploadHashes(analyst, list, 'mixed');
    await waitForCompletion(analyst, id);
    const rows = await rowsOf(app, id);

    // Assert
    assert.deepEqual(
      rows.map((r) => [r.input, r.hash, r.hash_type, r.verdict]),
      [
        [EICAR_MD5, EICAR_MD5, 'md5', 'malicious'],
        ['google.com', 'google.com', 'domain', 'not_suspicious'],
        ['hxxp://tawuhoju[.]com/payload.exe', 'tawuhoju.com', 'domain', 'suspicious'],
        ['1.1.1[.]1', '1.1.1.1', 'ip', 'not_suspicious'],
        ['142.251.220.110', '142.251.220.110', 'ip', 'not_suspicious'],
        ['never-seen.example.org', 'never-seen.example.org', 'domain', 'not_found'],
        ['notepad.exe', null, null, 'invalid'],
      ],
    );
    const byValue = new Map(rows.map((r) => [r.hash, r]));
    const tawuhoju = byValue.get('tawuhoju.com');
    assert.equal(tawuhoju?.reputation, -37);
    assert.equal(tawuhoju?.fortinet, 'malware', "Fortinet's result for a site, not a detection name");
    assert.deepEqual([tawuhoju?.malicious, tawuhoju?.engines], [6, 93]);
    assert.ok(JSON.parse(tawuhoju?.categories ?? '[]').includes('malicious web sites'));
    assert.equal(byValue.get('google.com')?.fortinet, 'clean');
    assert.equal(byValue.get('1.1.1.1')?.as_owner, 'CLOUDFLARENET');
    assert.deepEqual([byValue.get('142.251.220.110')?.as_owner, byValue.get('142.251.220.110')?.country], ['GOOGLE', 'US']);
    assert.deepEqual(
      app.sim.calls.map((c) => c.path).filter((p) => !p.includes('/files/')).sort(),
      ['/api/v3/domains/google.com', '/api/v3/domains/never-seen.example.org', '/api/v3/domains/tawuhoju.com', '/api/v3/ip_addresses/1.1.1.1', '/api/v3/ip_addresses/142.251.220.110'],
    );
  });

  test("when another analyst lists the same domain in other forms, then the cache answers and VirusTotal is not asked again", async () => {
    // Arrange
    const first = await signedIn(app);
    const second = await signedIn(app);
    const warm = await uploadHashes(first, ['tawuhoju.com', '142.251.220.110']);
    await waitForCompletion(first, warm);
    const before = [app.sim.callsFor('tawuhoju.com'), app.sim.callsFor('142.251.220.110')];

    // Act
    const id = await uploadHashes(second, ['TAWUHOJU.COM.', 'https://user@tawuhoju.com:8443/x?y=1', '142[.]251[.]220[.]110']);

    // Assert
    assert.equal((await reportStatus(second, id)).status, 'completed', 'answered at upload, from the cache');
    const rows = await rowsOf(app, id);
    assert.equal(rows.length, 2, 'one row per distinct value');
    assert.deepEqual(
      rows.map((r) => [r.line, r.hash, r.verdict, r.from_cache]),
      [[1, 'tawuhoju.com', 'suspicious', 1], [3, '142.251.220.110', 'not_suspicious', 1]],
    );
    assert.deepEqual([app.sim.callsFor('tawuhoju.com'), app.sim.callsFor('142.251.220.110')], before);
  });

  test("when a domain is answered, then VirusTotal's whole answer is kept for its detail page", async () => {
    // Arrange
    const analyst = await signedIn(app);

    // Act
    const id = await uploadHashes(analyst, ['google.com']);
    await waitForCompletion(analyst, id);
    const [row] = await rowsOf(app, id);
    const stored = await app.runtime.database.db.selectFrom('vt_answers').selectAll().where('id', '=', row!.answer_id!).executeTakeFirstOrThrow();

    // Assert
    const answer = JSON.parse(gunzipSync(stored.body_gzip).toString('utf8'));
    assert.equal(answer.data.type, 'domain');
    assert.equal(Object.keys(answer.data.attributes.last_analysis_results).length, 93, 'every engine');
  });
});

describe('the verdict thresholds for domains and IPs are settings', () => {
  const app = appSuite({ env: { VERDICT_REPUTATION_NOT_SUSPICIOUS_ABOVE: '1000', VERDICT_REPUTATION_SUSPICIOUS_BELOW: '-100' } });

  test('when "not suspicious above" is raised over google.com\'s reputation, then its one malicious engine makes it suspicious', async () => {
    const analyst = await signedIn(app);
    const id = await uploadHashes(analyst, ['google.com', 'tawuhoju.com', '142.251.220.110']);
    await waitForCompletion(analyst, id);
    assert.deepEqual(
      (await rowsOf(app, id)).map((r) => [r.hash, r.verdict]),
      [['google.com', 'suspicious'], ['tawuhoju.com', 'suspicious'], ['142.251.220.110', 'not_suspicious']],
    );
  });
});
