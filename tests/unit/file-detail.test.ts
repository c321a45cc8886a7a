import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileDetailFromAnswer, sortEngines } from '../../src/reports/file-detail.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/virustotal/${name}`, import.meta.url), 'utf8'));

describe('fileDetailFromAnswer', () => {
  test('when the real EICAR answer is read, then every engine, the hashes, names, dates, votes, tags and threat label come out', () => {
    // Act
    const detail = fileDetailFromAnswer(fixture('file-eicar.json'));

    // Assert
    assert.ok(detail);
    assert.equal(detail.sha256, '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f');
    assert.equal(detail.md5, '44d88612fea8a8f36de82e1278abb02f');
    assert.equal(detail.size, 68);
    assert.equal(detail.typeDescription, 'Text');
    assert.equal(detail.meaningfulName, 'eicar.com-32189');
    assert.ok(!detail.names.includes('eicar.com-32189'), 'the meaningful name is not repeated among the other names');
    assert.ok(detail.names.length > 50);
    assert.equal(detail.timesSubmitted, 1043553);
    assert.equal(detail.reputation, 3658);
    assert.deepEqual(detail.votes, { harmless: 2145, malicious: 383 });
    assert.ok(detail.tags.includes('known-distributor'));
    assert.equal(detail.threatLabel, 'virus.eicar/test');
    assert.equal(detail.firstSubmission, new Date(1148301722 * 1000).toISOString());
    assert.equal(detail.engines.length, 78);
    const fortinet = detail.engines.find((e) => e.engine === 'Fortinet');
    assert.deepEqual(fortinet, { engine: 'Fortinet', category: 'malicious', result: 'EICAR_TEST_FILE', version: null, updated: '2024-07-17' });
  });

  test('when engines are listed, then detections come first and each sort orders as asked', () => {
    // Arrange
    const detail = fileDetailFromAnswer(fixture('file-4bc00f7d-malicious-dll.json'));
    assert.ok(detail);

    // Act
    const byCategory = detail.engines.map((e) => e.category);
    const byEngine = sortEngines(detail.engines, 'engine').map((e) => e.engine.toLowerCase());
    const byUpdate = sortEngines(detail.engines, 'updated').map((e) => e.updated);

    // Assert
    assert.equal(byCategory.lastIndexOf('malicious'), 46, '47 malicious engines first');
    assert.ok(byCategory.indexOf('undetected') > byCategory.lastIndexOf('malicious'));
    assert.ok(byCategory.indexOf('type-unsupported') > byCategory.lastIndexOf('undetected'));
    assert.deepEqual(byEngine, [...byEngine].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    const dated = byUpdate.filter((u): u is string => u !== null);
    assert.deepEqual(dated, [...dated].sort().reverse(), 'newest signatures first');
    assert.equal(detail.engines.find((e) => e.engine === 'eGambit')?.version, null);
    assert.equal(detail.threatLabel, 'trojan.dllhijacker/cometer');
    assert.equal(detail.reputation, -7);
  });

  test('when the answer is not a file object, then there is no detail, and missing fields are empty rather than errors', () => {
    assert.equal(fileDetailFromAnswer({ error: { code: 'NotFoundError' } }), null);
    assert.equal(fileDetailFromAnswer(null), null);
    assert.equal(fileDetailFromAnswer(fixture('domain-google.com.json')), null, 'a domain is not a file');
    assert.equal(fileDetailFromAnswer(fixture('ip-1.1.1.1.json')), null, 'nor is an IP');
    const bare = fileDetailFromAnswer({ data: { id: 'ABC', attributes: { names: 'not a list', total_votes: 3 } } });
    assert.deepEqual(bare && { ...bare }, {
      sha256: 'abc', sha1: null, md5: null, size: null, typeDescription: null, meaningfulName: null, names: [],
      firstSubmission: null, lastSubmission: null, lastAnalysis: null, timesSubmitted: null, reputation: null,
      votes: null, tags: [], threatLabel: null, engines: [],
    });
  });
});
