import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detectionsLabel, verdictOf, verdictReason, type Thresholds, type VerdictFacts } from '../../src/lookups/verdict.js';
import { enginesSummary } from '../../src/reports/report-view.js';

const DEFAULTS: Thresholds = { suspiciousBelow: -10, notSuspiciousAbove: 20, maliciousEngines: 1, suspiciousShare: 0.05 };

const domain = (facts: Partial<VerdictFacts>): VerdictFacts => ({ objectType: 'domain', malicious: 0, suspicious: 0, engines: 94, reputation: 0, ...facts });

describe('verdict reasons for domains and IPs', () => {
  const cases: Array<[string, VerdictFacts, string, string]> = [
    ['reputation below the line (tawuhoju.com)', domain({ reputation: -37, malicious: 6, engines: 93 }), 'suspicious', 'reputation −37, below −10'],
    ['engines flag it, but the reputation is high', domain({ reputation: 448, malicious: 1 }), 'not_suspicious', '1 of 94 engines say malicious, but reputation 448 is above 20'],
    ['a clean high reputation', domain({ reputation: 3658 }), 'not_suspicious', 'reputation 3,658, above 20'],
    ['in between, one engine says malicious', domain({ reputation: 0, malicious: 1 }), 'suspicious', '1 of 94 engines say malicious (reputation 0 is between −10 and 20)'],
    ['in between, 5 % say suspicious', domain({ reputation: 5, suspicious: 5, engines: 100 }), 'suspicious', '5 of 100 engines say suspicious, at least 5 % (reputation 5 is between −10 and 20)'],
    ['in between, too few say suspicious', domain({ reputation: 5, suspicious: 4, engines: 100 }), 'not_suspicious', '4 of 100 engines say suspicious, under 5 %, and reputation 5 is between −10 and 20'],
    ['in between, nothing flagged', domain({ reputation: -10 }), 'not_suspicious', 'no engine flags it and reputation −10 is between −10 and 20'],
    ['no reputation at all', { objectType: 'ip_address', malicious: 0, suspicious: 0, engines: 90, reputation: null }, 'not_suspicious', 'no engine flags it and no reputation (taken as 0) is between −10 and 20'],
  ];
  for (const [name, facts, verdict, reason] of cases) {
    test(`when ${name}, then the reason says so and matches the verdict`, () => {
      // Act
      const said = verdictReason(facts, DEFAULTS);

      // Assert
      assert.equal(verdictOf(facts, DEFAULTS), verdict, 'the case is what verdictOf decides');
      assert.equal(said, reason);
    });
  }

  test('when more engines are needed than say malicious, then the reason names the threshold', () => {
    // Arrange
    const strict: Thresholds = { ...DEFAULTS, maliciousEngines: 3 };

    // Act
    const said = verdictReason(domain({ reputation: 0, malicious: 2 }), strict);

    // Assert
    assert.equal(said, '2 of 94 engines say malicious, fewer than 3, and reputation 0 is between −10 and 20');
  });

  test('when the object is a file, then there is no reason beyond its detections', () => {
    assert.equal(verdictReason({ objectType: 'file', malicious: 0, suspicious: 2, engines: 78, reputation: 5 }, DEFAULTS), null);
  });
});

describe('detections and engines in words', () => {
  test('when a file has malicious and suspicious engines, then both are shown with the engines counted', () => {
    assert.equal(detectionsLabel({ malicious: 12, suspicious: 3, engines: 71 }), '12 malicious · 3 suspicious of 71 engines');
  });

  test('when a suspicious file has no malicious engine, then it does not read as 0 of 78 alone', () => {
    assert.equal(detectionsLabel({ malicious: 0, suspicious: 2, engines: 1_078 }), '0 malicious · 2 suspicious of 1,078 engines');
  });

  test('when some engines timed out or do not support the file, then the summary says how many gave a verdict and why not the rest', () => {
    // Arrange
    const engines = [
      ...Array.from({ length: 66 }, () => 'malicious'),
      ...Array.from({ length: 5 }, () => 'undetected'),
      ...Array.from({ length: 6 }, () => 'type-unsupported'),
      'timeout',
    ].map((category, i) => ({ engine: `E${i}`, category, result: null, version: null, updated: null }));

    // Act
    const summary = enginesSummary(engines);

    // Assert
    assert.equal(summary, '71 of 78 engines gave a verdict; 1 timed out, 6 do not support this file type');
  });

  test('when every engine gave a verdict, then the summary is the count alone', () => {
    const engines = ['harmless', 'malicious'].map((category) => ({ engine: category, category, result: null, version: null, updated: null }));
    assert.equal(enginesSummary(engines), '2 of 2 engines gave a verdict');
  });
});
