import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { networkDetailFromAnswer } from '../../src/reports/network-detail.js';
import { sortEngines } from '../../src/reports/file-detail.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/virustotal/${name}`, import.meta.url), 'utf8'));

describe('networkDetailFromAnswer', () => {
  test('when the real google.com answer is read, then every engine, the categories per vendor, registrar, dates, DNS records, ranks and votes come out', () => {
    // Act
    const detail = networkDetailFromAnswer(fixture('domain-google.com.json'));

    // Assert
    assert.ok(detail && detail.kind === 'domain');
    assert.equal(detail.id, 'google.com');
    assert.equal(detail.reputation, 448);
    assert.deepEqual(detail.votes, { harmless: 258, malicious: 42 });
    assert.equal(detail.engines.length, 93);
    assert.equal(detail.engines[0]?.category, 'malicious', 'the one detection comes first');
    assert.deepEqual(detail.engines.find((e) => e.engine === 'Fortinet'), { engine: 'Fortinet', category: 'harmless', result: 'clean', version: null, updated: null });
    assert.deepEqual(detail.categories, [
      { vendor: 'alphaMountain.ai', category: 'Search Engines/Portals' },
      { vendor: 'BitDefender', category: 'searchengines' },
      { vendor: 'Comodo Valkyrie Verdict', category: 'mobile communications' },
      { vendor: 'Forcepoint ThreatSeeker', category: 'search engines and portals' },
      { vendor: 'Sophos', category: 'search engines' },
    ]);
    assert.equal(detail.registrar, 'MarkMonitor Inc.');
    assert.equal(detail.creationDate, new Date(874306800 * 1000).toISOString());
    assert.equal(detail.lastDnsRecordsDate, new Date(1660696519 * 1000).toISOString());
    assert.deepEqual(detail.lastDnsRecords[0], { type: 'NS', value: 'ns2.google.com', ttl: 21600 });
    assert.ok(detail.lastDnsRecords.some((r) => r.type === 'TXT'));
    assert.deepEqual(detail.popularityRanks.map((r) => r.rank), [1, 1, 1, 1, 2], 'best rank first');
    assert.equal(detail.popularityRanks.at(-1)?.list, 'Cisco Umbrella');
    assert.equal(detail.lastAnalysis, null, 'the 2022 answer has no last_analysis_date');
    assert.deepEqual(detail.tags, []);
  });

  test('when the real answer for the malicious domain is read, then its six detections lead and Fortinet says malware', () => {
    // Act
    const detail = networkDetailFromAnswer(fixture('domain-tawuhoju.com.json'));

    // Assert
    assert.ok(detail && detail.kind === 'domain');
    assert.equal(detail.reputation, -37);
    assert.equal(detail.engines.length, 92);
    const categories = detail.engines.map((e) => e.category);
    assert.equal(categories.lastIndexOf('malicious'), 5, 'the 6 malicious engines first');
    assert.deepEqual(detail.engines.find((e) => e.engine === 'Fortinet')?.result, 'malware');
    assert.ok(detail.categories.some((c) => c.vendor === 'Webroot' && c.category === 'Malware Sites'));
    assert.ok(detail.lastDnsRecords.some((r) => r.type === 'SOA'), 'SOA records keep their type and value');
    assert.deepEqual(detail.popularityRanks, [{ list: 'Cisco Umbrella', rank: 506742 }]);
  });

  test('when the real answers for two IPs are read, then AS owner, ASN and network come out, and country, continent and RIR only where present', () => {
    // Act
    const cloudflare = networkDetailFromAnswer(fixture('ip-1.1.1.1.json'));
    const google = networkDetailFromAnswer(fixture('ip-142.251.220.110.json'));

    // Assert
    assert.ok(cloudflare && cloudflare.kind === 'ip');
    assert.deepEqual(
      { id: cloudflare.id, asOwner: cloudflare.asOwner, asn: cloudflare.asn, network: cloudflare.network, country: cloudflare.country, continent: cloudflare.continent, rir: cloudflare.regionalInternetRegistry, reputation: cloudflare.reputation },
      { id: '1.1.1.1', asOwner: 'CLOUDFLARENET', asn: 13335, network: '1.1.1.0/24', country: null, continent: null, rir: null, reputation: 134 },
    );
    assert.equal(cloudflare.engines.length, 93);
    assert.equal(cloudflare.engines.filter((e) => e.category === 'malicious').length, 4);
    assert.ok(google && google.kind === 'ip');
    assert.deepEqual(
      { asOwner: google.asOwner, asn: google.asn, network: google.network, country: google.country, continent: google.continent, rir: google.regionalInternetRegistry },
      { asOwner: 'GOOGLE', asn: 15169, network: '142.250.0.0/15', country: 'US', continent: 'NA', rir: 'ARIN' },
    );
    assert.deepEqual(google.votes, { harmless: 0, malicious: 0 });
    const byName = sortEngines(google.engines, 'engine').map((e) => e.engine.toLowerCase());
    assert.deepEqual(byName, [...byName].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
  });

  test('when the answer is a file, an error or has odd fields, then there is no detail or the odd fields are empty', () => {
    assert.equal(networkDetailFromAnswer(fixture('file-eicar.json')), null);
    assert.equal(networkDetailFromAnswer(fixture('error-notfound.json')), null);
    assert.equal(networkDetailFromAnswer(null), null);
    const bare = networkDetailFromAnswer({ data: { id: 'odd.example', type: 'domain', attributes: { categories: ['x'], last_dns_records: [{ type: 'A' }, 'junk'], popularity_ranks: { List: { rank: 'top' } }, tags: 'none' } } });
    assert.deepEqual(bare, {
      kind: 'domain', id: 'odd.example', reputation: null, votes: null, tags: [], lastAnalysis: null, lastModification: null, engines: [],
      categories: [], registrar: null, creationDate: null, lastUpdateDate: null, lastDnsRecords: [], lastDnsRecordsDate: null, popularityRanks: [],
    });
  });
});
