import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanText, formatSize, safeFileStem } from '../../src/shared/text.js';

test('when text holds control characters, then each becomes a space and the ends are trimmed', () => {
  assert.equal(cleanText('\u0000 list\u0007one\u007f\t'), 'list one');
  assert.equal(cleanText('\r\n'), '');
});

test('when a name has characters a disk or mail client may refuse, then they become underscores; nothing left gives the fallback', () => {
  assert.equal(safeFileStem('Q3 incident: hosts/ips', 'report'), 'Q3_incident_hosts_ips');
  assert.equal(safeFileStem('..hidden', 'report'), 'hidden');
  assert.equal(safeFileStem('???', 'report'), 'report');
  assert.equal(safeFileStem('a'.repeat(100), 'report').length, 80);
});

test('when a byte limit is stated, then megabytes show one decimal at most and smaller limits show kilobytes', () => {
  assert.equal(formatSize(100 * 1024 * 1024), '100 MB');
  assert.equal(formatSize(1.5 * 1024 * 1024), '1.5 MB');
  assert.equal(formatSize(10_485), '10 KB');
  assert.equal(formatSize(100), '1 KB', 'never "0 KB"');
  assert.equal(formatSize(1536, { kbTenths: true }), '1.5 KB');
  assert.equal(formatSize(2097, { kbTenths: true }), '2 KB');
});
