import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictOf, type Thresholds } from '../../src/lookups/verdict.js';
import type { ObjectSummary } from '../../src/lookups/lookup.types.js';

/** The defaults: below −10 suspicious, above 20 not suspicious, in between 1 malicious or 5 % suspicious. */
const DEFAULTS: Thresholds = { suspiciousBelow: -10, notSuspiciousAbove: 20, maliciousEngines: 1, suspiciousShare: 0.05 };

function site(objectType: 'domain' | 'ip_address', stats: { reputation: number | null; malicious?: number; suspicious?: number; harmless?: number }): ObjectSummary {
  const malicious = stats.malicious ?? 0;
  const suspicious = stats.suspicious ?? 0;
  const harmless = stats.harmless ?? 100 - malicious - suspicious;
  return {
    objectType, id: 'x', sha256: null, sha1: null, md5: null, malicious, suspicious, undetected: 0, harmless,
    engines: malicious + suspicious + harmless, fortinet: null, lastAnalysisDate: null, meaningfulName: null,
    threatLabel: null, typeDescription: null, size: null, reputation: stats.reputation, categories: null, asOwner: null, country: null,
  };
}

const cases: Array<[string, Parameters<typeof site>[1], Thresholds, string]> = [
  ['reputation −11, no detections', { reputation: -11 }, DEFAULTS, 'suspicious'],
  ['reputation −10 exactly, no detections', { reputation: -10 }, DEFAULTS, 'not_suspicious'],
  ['reputation 21, 6 engines say malicious', { reputation: 21, malicious: 6 }, DEFAULTS, 'not_suspicious'],
  ['reputation 20 exactly, 1 engine says malicious', { reputation: 20, malicious: 1 }, DEFAULTS, 'suspicious'],
  ['reputation 0, 1 engine says malicious', { reputation: 0, malicious: 1 }, DEFAULTS, 'suspicious'],
  ['reputation 0, nothing flagged', { reputation: 0 }, DEFAULTS, 'not_suspicious'],
  ['reputation 0, 5 of 100 say suspicious (5 %)', { reputation: 0, suspicious: 5 }, DEFAULTS, 'suspicious'],
  ['reputation 0, 4 of 100 say suspicious (4 %)', { reputation: 0, suspicious: 4 }, DEFAULTS, 'not_suspicious'],
  ['no reputation at all, nothing flagged', { reputation: null }, DEFAULTS, 'not_suspicious'],
  ['reputation −37 (tawuhoju.com)', { reputation: -37, malicious: 6 }, DEFAULTS, 'suspicious'],
  ['reputation 448, 1 malicious (google.com)', { reputation: 448, malicious: 1 }, DEFAULTS, 'not_suspicious'],
  ['google.com when "not suspicious above" is raised to 1000', { reputation: 448, malicious: 1 }, { ...DEFAULTS, notSuspiciousAbove: 1000 }, 'suspicious'],
  ['1 malicious when 3 engines are needed', { reputation: 0, malicious: 1 }, { ...DEFAULTS, maliciousEngines: 3 }, 'not_suspicious'],
  ['4 % suspicious when the share is lowered to 3 %', { reputation: 0, suspicious: 4 }, { ...DEFAULTS, suspiciousShare: 0.03 }, 'suspicious'],
  ['reputation −5 when "suspicious below" is 0', { reputation: -5 }, { ...DEFAULTS, suspiciousBelow: 0 }, 'suspicious'],
];

for (const [name, stats, thresholds, expected] of cases) {
  for (const objectType of ['domain', 'ip_address'] as const) {
    test(`when a ${objectType === 'domain' ? 'domain' : 'IP'} has ${name}, then it is ${expected.replace('_', ' ')}`, () => {
      assert.equal(verdictOf(site(objectType, stats), thresholds), expected);
    });
  }
}

test('when a file has detections, then the file rule applies and reputation thresholds do not', () => {
  const file = { ...site('domain', { reputation: 500, malicious: 1 }), objectType: 'file' as const, reputation: null };
  assert.equal(verdictOf(file, DEFAULTS), 'malicious');
  assert.equal(verdictOf({ ...file, malicious: 0, suspicious: 1 }, DEFAULTS), 'suspicious');
  assert.equal(verdictOf({ ...file, malicious: 0, suspicious: 0 }, DEFAULTS), 'clean');
});
