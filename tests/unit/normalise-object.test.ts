import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { normaliseFile, normaliseObject } from '../../src/lookups/normalise-object.js';

const fixture = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(new URL(`../fixtures/virustotal/${name}`, import.meta.url), 'utf8'));

test('when the real EICAR report is normalised, then hashes, counts, Fortinet and date match the capture', async () => {
  const verdict = normaliseFile(await fixture('file-eicar.json'));
  assert.deepEqual(verdict, {
    objectType: 'file',
    id: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    sha1: '3395856ce81f2b7382dee72602f798b642f14140',
    md5: '44d88612fea8a8f36de82e1278abb02f',
    malicious: 66,
    suspicious: 0,
    undetected: 5,
    harmless: 0,
    engines: 71,
    fortinet: 'EICAR_TEST_FILE',
    lastAnalysisDate: '2024-07-17T21:12:40.000Z',
    meaningfulName: 'eicar.com-32189',
    threatLabel: 'virus.eicar/test',
    typeDescription: 'Text',
    size: 68,
    reputation: null,
    categories: null,
    asOwner: null,
    country: null,
  });
});

test('when the real malicious DLL report is normalised, then counts leave out timeouts and unsupported engines', async () => {
  const verdict = normaliseFile(await fixture('file-4bc00f7d-malicious-dll.json'));
  assert.equal(verdict.sha256, '4bc00f7d638e042da764e8648c03c0db46700599dd4f08d117e3e9e8b538519b');
  assert.equal(verdict.md5, '546bb6ef89bebfb053999777f6930d7e');
  assert.equal(verdict.sha1, '44392b16e2db656104579e83d603b363bf91ccb2');
  assert.equal(verdict.malicious, 47);
  assert.equal(verdict.undetected, 18);
  assert.equal(verdict.engines, 65);
  assert.equal(verdict.fortinet, 'W32/Dllhijacker.DG!tr');
  assert.equal(verdict.lastAnalysisDate, new Date(1636440506 * 1000).toISOString());
  assert.equal(verdict.typeDescription, 'Win32 DLL');
  assert.equal(verdict.size, 87040);
  assert.equal(verdict.meaningfulName, null, 'this capture has no meaningful_name');
  assert.equal(verdict.threatLabel, 'trojan.dllhijacker/cometer', "popular_threat_classification's suggested label");
});

test('when Fortinet scanned but did not detect, then fortinet is null even though it has a result', () => {
  const verdict = normaliseFile({
    data: {
      id: 'ABCDEF'.padEnd(64, '0'),
      attributes: {
        last_analysis_stats: { harmless: 1 },
        last_analysis_results: { Fortinet: { category: 'harmless', result: 'clean', engine_name: 'Fortinet' } },
      },
    },
  });
  assert.equal(verdict.fortinet, null);
  assert.equal(verdict.sha256, 'abcdef'.padEnd(64, '0'), 'the id is lowercased');
  assert.equal(verdict.engines, 1, 'missing stats keys count 0');
  assert.equal(verdict.lastAnalysisDate, null);
});

test('when the body has no data, then normaliseFile throws a plain Error naming what is missing', () => {
  assert.throws(() => normaliseFile({ error: { code: 'NotFoundError' } }), /data/);
  assert.throws(() => normaliseFile(null), Error);
  assert.throws(() => normaliseFile({ data: { id: 'x'.repeat(64) } }), /data\.attributes/);
  assert.throws(() => normaliseFile({ data: { attributes: {} } }), /data\.id/);
});

test('when the real google.com answer is normalised, then reputation, distinct categories and Fortinet\'s "clean" are kept', async () => {
  const domain = normaliseObject('domain', await fixture('domain-google.com.json'));
  assert.deepEqual(domain, {
    objectType: 'domain',
    id: 'google.com',
    sha256: null,
    sha1: null,
    md5: null,
    malicious: 1,
    suspicious: 0,
    undetected: 9,
    harmless: 84,
    engines: 94,
    fortinet: 'clean',
    lastAnalysisDate: null,
    meaningfulName: null,
    threatLabel: null,
    typeDescription: null,
    size: null,
    reputation: 448,
    categories: ['search engines and portals', 'search engines', 'searchengines', 'mobile communications', 'Search Engines/Portals'],
    asOwner: null,
    country: null,
  });
});

test('when the real tawuhoju.com answer is normalised, then Fortinet\'s result is its "malware" verdict', async () => {
  const domain = normaliseObject('domain', await fixture('domain-tawuhoju.com.json'));
  assert.equal(domain.fortinet, 'malware');
  assert.equal(domain.reputation, -37);
  assert.equal(domain.malicious, 6);
  assert.ok(domain.categories?.includes('malicious web sites'));
});

test('when the real IP answers are normalised, then AS owner and country are kept, and a missing country is null', async () => {
  const google = normaliseObject('ip', await fixture('ip-142.251.220.110.json'));
  assert.equal(google.objectType, 'ip_address');
  assert.equal(google.id, '142.251.220.110');
  assert.equal(google.asOwner, 'GOOGLE');
  assert.equal(google.country, 'US');
  assert.equal(google.reputation, 0);
  assert.equal(google.categories, null, 'IPs have no categories');
  const cloudflare = normaliseObject('ip', await fixture('ip-1.1.1.1.json'));
  assert.equal(cloudflare.asOwner, 'CLOUDFLARENET');
  assert.equal(cloudflare.country, null, 'the 1.1.1.1 capture has no country');
  assert.equal(cloudflare.malicious, 4);
  assert.equal(cloudflare.engines, 94);
});

test('when the answer is another type of object than was asked for, then normalising throws so the answer counts as garbled', async () => {
  const domain = await fixture('domain-google.com.json');
  const ip = await fixture('ip-1.1.1.1.json');
  assert.throws(() => normaliseObject('ip', domain), /expected a ip_address object, got "domain"/);
  assert.throws(() => normaliseObject('md5', ip), /expected a file object/);
});
