import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHashList, unreadableReason } from '../../src/reports/list-parser.js';

const MD5 = '44d88612fea8a8f36de82e1278abb02f';
const SHA1 = '3395856ce81f2b7382dee72602f798b642f14140';
const SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';

const parse = (text: string | Buffer) => [...parseHashList(Buffer.isBuffer(text) ? text : Buffer.from(text))];

test('when a list mixes MD5, SHA-1 and SHA-256 in any case, then each gets its type and is lowercased', () => {
  const rows = parse(`${MD5.toUpperCase()}\n${SHA1}\n  ${SHA256}  \n`);
  assert.deepEqual(
    rows.map((r) => (r.kind === 'lookup' ? [r.line, r.value, r.type] : r)),
    [[1, MD5, 'md5'], [2, SHA1, 'sha1'], [3, SHA256, 'sha256']],
  );
});

test('when lines end in CRLF, lone CR or LF and the file has a BOM, then line numbers still count every line', () => {
  const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${MD5}\r\n\r\n${SHA1}\r${SHA256}`)]);
  const rows = parse(buf);
  assert.deepEqual(rows.map((r) => r.line), [1, 3, 4]);
  assert.equal(rows[0]?.kind, 'lookup');
});

test('when the hash is followed by a file name, a comma, a semicolon or a tab, then the first token is the hash', () => {
  const rows = parse(`${SHA256}  eicar.com\n"${MD5}",eicar\n${SHA1};x\n${MD5}\tname`);
  assert.ok(rows.every((r) => r.kind === 'lookup'), JSON.stringify(rows));
  assert.equal(rows.length, 4);
});

test('when a line is not a hash, then it becomes an invalid row with its line number and text', () => {
  const rows = parse(`hello world\n\n${MD5.slice(1)}\nzz${MD5.slice(2)}\n`);
  assert.deepEqual(rows, [
    { line: 1, kind: 'invalid', input: 'hello world' },
    { line: 3, kind: 'invalid', input: MD5.slice(1) },
    { line: 4, kind: 'invalid', input: `zz${MD5.slice(2)}` },
  ]);
});

test('when an invalid line is huge, then the stored input is cut short', () => {
  const [row] = parse('x'.repeat(100_000));
  assert.ok(row && row.input.length <= 201);
});

test('when a file is empty, UTF-16, binary or not UTF-8, then it is refused with a reason', () => {
  assert.match(unreadableReason(Buffer.alloc(0)) ?? '', /empty/);
  assert.match(unreadableReason(Buffer.from('\ufeffabc', 'utf16le')) ?? '', /UTF-16/);
  assert.match(unreadableReason(Buffer.from([0x4d, 0x5a, 0x00, 0x01])) ?? '', /binary/);
  assert.match(unreadableReason(Buffer.from([0x61, 0xff, 0xfe, 0x62])) ?? '', /not UTF-8/);
  assert.equal(unreadableReason(Buffer.from(`${MD5}\n`)), null);
});
