import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { stixBundleValidator } from '../helpers/stix-schema.js';
import { streamStix } from '../../src/reports/files/stix.js';
import { stixId, stixPattern } from '../../src/reports/files/stix-objects.js';
import type { ReportItemRow } from '../../src/reports/report.table.js';
import type { ReportSummary } from '../../src/reports/report-summary.js';

function row(line: number, over: Partial<ReportItemRow>): ReportItemRow {
  return {
    id: line, report_id: 'r', line, input: '', hash: null, hash_type: null, status: 'found', verdict: 'clean',
    sha256: null, sha1: null, md5: null, malicious: 0, suspicious: 0, undetected: 60, harmless: 0, engines: 60, fortinet: null,
    last_analysis_date: null, looked_up_at: Date.UTC(2026, 11, 6, 12), from_cache: 0, from_feed: 0, error: null, answer_id: null, meaningful_name: null,
    threat_label: null, refresh_after: null, reputation: null, categories: null, as_owner: null, country: null, ...over,
  };
}

const EICAR = { md5: '44d88612fea8a8f36de82e1278abb02f', sha1: '3395856ce81f2b7382dee72602f798b642f14140', sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' };
const report: ReportSummary = {
  id: 'abcdefghijklmnop', name: 'Incident "4471"', status: 'completed', createdAt: new Date('2026-12-06T10:00:00Z'), completedAt: null,
  counts: { total: 6, malicious: 2, suspicious: 1, clean: 0, notSuspicious: 1, notFound: 1, invalid: 1, error: 0, pending: 0 }, progress: 1, sameFile: 1, email: null,
};
const rows = [
  row(1, { input: EICAR.md5, hash: EICAR.md5, hash_type: 'md5', verdict: 'malicious', malicious: 66, engines: 71, ...EICAR, fortinet: 'EICAR_TEST_FILE', meaningful_name: 'eicar.com', threat_label: 'virus.eicar/test' }),
  row(2, { input: 'hxxp://tawuhoju[.]com/x', hash: 'tawuhoju.com', hash_type: 'domain', verdict: 'suspicious', malicious: 6, engines: 93, reputation: -37 }),
  row(3, { input: '2606:4700:4700::1111', hash: '2606:4700:4700::1111', hash_type: 'ip', verdict: 'not_suspicious' }),
  row(4, { input: 'not a value', status: 'invalid', verdict: 'invalid', engines: null }),
  row(5, { input: 'f'.repeat(64), hash: 'f'.repeat(64), hash_type: 'sha256', status: 'not_found', verdict: 'not_found', engines: null }),
  row(6, { input: EICAR.sha256, hash: EICAR.sha256, hash_type: 'sha256', verdict: 'malicious', malicious: 66, engines: 71, ...EICAR, threat_label: 'virus.eicar/test' }),
];

async function* each(list: ReportItemRow[]): AsyncGenerator<ReportItemRow> {
  yield* list;
}

async function exportBundle(list: ReportItemRow[], notice: string | null = null): Promise<{ text: string; chunks: number; bundle: { type: string; objects: Array<Record<string, unknown>> } }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await streamStix(out, report, each(list), notice);
  const text = Buffer.concat(chunks).toString('utf8');
  return { text, chunks: chunks.length, bundle: JSON.parse(text) };
}

describe('STIX 2.1 export', () => {
  const validate = stixBundleValidator();

  test('when a report with a file, a domain, an IPv6 address, an invalid and an unknown line is exported, then the bundle is valid against the official STIX 2.1 schemas', async () => {
    // Act
    const { bundle } = await exportBundle(rows);

    // Assert
    const result = validate(bundle);
    assert.ok(result.ok, result.errors);
    const types = bundle.objects.map((o) => o.type);
    assert.deepEqual(types, [
      'identity',
      'file', 'indicator', 'relationship', 'malware-analysis', 'malware', 'relationship', // line 1, the EICAR file
      'domain-name', 'indicator', 'relationship', 'malware-analysis', // line 2
      'ipv6-addr', 'indicator', 'relationship', 'malware-analysis', // line 3
      'file', 'indicator', 'relationship', // line 5: not found, so no analysis
    ]);
  });

  test('when a bundle is checked, then the validator really rejects a broken one (the test can fail)', async () => {
    const { bundle } = await exportBundle(rows);
    const broken = structuredClone(bundle);
    delete (broken.objects[2] as Record<string, unknown>)['pattern'];
    (broken.objects[4] as Record<string, unknown>)['result'] = 42;
    const result = validate(broken);
    assert.equal(result.ok, false);
    assert.match(result.errors, /must have required property 'pattern'/);
  });

  test('when a file is known by three hashes, then the observable and the indicator carry all three, the analysis the verdict, and the indicator names the malware', async () => {
    const { bundle } = await exportBundle(rows);
    const [file, indicator, basedOn, analysis, malware, indicates] = bundle.objects.slice(1, 7);
    assert.deepEqual(file?.hashes, { MD5: EICAR.md5, 'SHA-1': EICAR.sha1, 'SHA-256': EICAR.sha256 });
    assert.equal(file?.name, 'eicar.com');
    assert.equal(indicator?.pattern, `[file:hashes.MD5 = '${EICAR.md5}' OR file:hashes.'SHA-1' = '${EICAR.sha1}' OR file:hashes.'SHA-256' = '${EICAR.sha256}']`);
    assert.deepEqual(indicator?.indicator_types, ['malicious-activity']);
    assert.deepEqual(indicator?.external_references, [{ source_name: 'VirusTotal', url: `https://www.virustotal.com/gui/file/${EICAR.sha256}` }]);
    assert.match(String(indicator?.description), /VirusTotal verdict: malicious; 66 of 71 engines malicious, 0 suspicious; Fortinet: EICAR_TEST_FILE; file name: eicar\.com; threat label: virus\.eicar\/test/);
    assert.deepEqual([basedOn?.relationship_type, basedOn?.source_ref, basedOn?.target_ref], ['based-on', indicator?.id, file?.id]);
    assert.deepEqual([analysis?.product, analysis?.result, analysis?.result_name, analysis?.sample_ref], ['VirusTotal', 'malicious', 'virus.eicar/test', file?.id]);
    assert.equal(malware?.name, 'virus.eicar/test');
    assert.deepEqual([indicates?.relationship_type, indicates?.source_ref, indicates?.target_ref], ['indicates', indicator?.id, malware?.id]);
    const patterns = bundle.objects.filter((o) => o.type === 'indicator').map((o) => o.pattern);
    assert.equal(patterns.filter((p) => String(p).includes(EICAR.sha256)).length, 1, 'line 6 names the same file: one indicator');
    assert.ok(patterns.includes("[domain-name:value = 'tawuhoju.com']") && patterns.includes("[ipv6-addr:value = '2606:4700:4700::1111']"));
    const domainAnalysis = bundle.objects.find((o) => o.type === 'malware-analysis' && o.result === 'suspicious');
    assert.deepEqual(domainAnalysis?.analysis_sco_refs, [bundle.objects.find((o) => o.type === 'domain-name')?.id]);
  });

  test("when an observable's id is made, then it follows the specification's UUIDv5 rule (a domain's id is the same in any tool)", async () => {
    const { bundle } = await exportBundle(rows);
    // Python's uuid.uuid5(UUID('00abedb4-aa42-52fd-a4e6-d1ee5efa5f39'), '{"value":"tawuhoju.com"}'), an independent implementation.
    const domain = bundle.objects.find((o) => o.type === 'domain-name');
    assert.equal(domain?.id, 'domain-name--6c482d9c-fbdc-5bc8-a479-aa5fa900788a');
  });

  test('when the same report is exported twice, then the objects keep their ids, so an import merges rather than duplicates', async () => {
    const first = await exportBundle(rows);
    const second = await exportBundle(rows);
    assert.deepEqual(first.bundle.objects.map((o) => o.id), second.bundle.objects.map((o) => o.id));
    assert.match(stixId('indicator', 'x'), /^indicator--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('when the app runs as the demo, then every indicator and the producer say the results are simulated', async () => {
    const notice = 'Demo mode: every VirusTotal result here is simulated.';
    const { bundle } = await exportBundle(rows, notice);
    assert.ok(validate(bundle).ok);
    for (const indicator of bundle.objects.filter((o) => o.type === 'indicator')) assert.ok(String(indicator.description).startsWith(notice));
    assert.ok(String(bundle.objects[0]?.description).includes(notice));
  });

  test('when a report has thousands of rows, then the bundle is written in pieces as the rows come, and stays valid', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => row(i + 1, { input: `h${i}.example.com`, hash: `h${i}.example.com`, hash_type: 'domain', verdict: 'not_suspicious' }));
    const { bundle, chunks } = await exportBundle(many);
    assert.ok(chunks > 1, `${chunks} writes`);
    assert.equal(bundle.objects.length, 1 + 4 * 3000);
    assert.ok(validate(bundle).ok);
  });

  test('stixPattern: quotes are escaped, an unanswered hash is matched as uploaded', () => {
    assert.equal(stixPattern(row(1, { hash: EICAR.md5, hash_type: 'md5' })), `[file:hashes.MD5 = '${EICAR.md5}']`);
    assert.equal(stixPattern(row(1, { hash: "a'b.example.com", hash_type: 'domain' })), "[domain-name:value = 'a\\'b.example.com']");
    assert.equal(stixPattern(row(1, {})), null);
  });
});
