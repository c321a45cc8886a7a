import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_INPUT_CHARS, detectValue, parseLine, parseList, unreadableReason } from '../../src/reports/list-parser.js';
import type { LookupType } from '../../src/lookups/lookup.types.js';
import { countRows, MAX_LINE_BYTES } from '../../src/reports/list-lines.js';

const MD5 = '44d88612fea8a8f36de82e1278abb02f';
const SHA1 = '3395856ce81f2b7382dee72602f798b642f14140';
const SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';

const parse = (text: string | Buffer) => [...parseList(Buffer.isBuffer(text) ? text : Buffer.from(text))];

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
  assert.ok(rows.every((r) => r.kind === 'lookup' && r.type !== 'domain'), JSON.stringify(rows));
  assert.equal(rows.length, 4);
});

test('when a line is none of hash, domain or IP, then it becomes an invalid row with its line number and text', () => {
  const rows = parse(`hello world\n\n${MD5.slice(1)}\nzz${MD5.slice(2)}\n`);
  assert.deepEqual(rows, [
    { line: 1, kind: 'invalid', input: 'hello world' },
    { line: 3, kind: 'invalid', input: MD5.slice(1) },
    { line: 4, kind: 'invalid', input: `zz${MD5.slice(2)}` },
  ]);
});

test('when an invalid line is huge, then the stored input is cut short', () => {
  const [row] = parse('x'.repeat(100_000));
  assert.ok(row && row.input.length <= MAX_INPUT_CHARS + 1);
});

test('when a URL is long but within MAX_LINE_BYTES, then it still counts as its host and its input is cut short', () => {
  const [row] = parse(`hxxps://evil[.]com/${'a'.repeat(MAX_LINE_BYTES - 40)}`);
  assert.ok(row);
  assert.equal(row.kind === 'lookup' && row.value, 'evil.com');
  assert.equal(row.input, `hxxps://evil[.]com/${'a'.repeat(MAX_INPUT_CHARS - 19)}…`);
});

test('when a line is longer than MAX_LINE_BYTES, then it is an invalid row at once, its input cut, even when it would refang to a host', () => {
  const rows = parse(`${MD5}\nhxxps://evil[.]com/${'a'.repeat(MAX_LINE_BYTES)}\n${'[.]'.repeat(1_000_000)}\n${SHA1}`);
  assert.deepEqual(rows.map((r) => [r.line, r.kind]), [[1, 'lookup'], [2, 'invalid'], [3, 'invalid'], [4, 'lookup']]);
  assert.equal(rows[1]?.input, `hxxps://evil[.]com/${'a'.repeat(MAX_INPUT_CHARS - 19)}…`);
  assert.equal(rows[2]?.input, `${'[.]'.repeat(MAX_INPUT_CHARS / 2).slice(0, MAX_INPUT_CHARS)}…`);
});

test('when rows are counted before parsing, then the count is what the parser yields: blank lines (Unicode spaces too) out, long lines in', async () => {
  const text = `${MD5}\r\n\r\n  \n\u00a0\u2028\nhello\r${' '.repeat(MAX_LINE_BYTES + 1)}\n\ufeff\nlast`;
  const buf = Buffer.from(text);
  assert.equal(await countRows(buf), parse(buf).length);
  assert.equal(await countRows(Buffer.from('\ufeffx\n\n')), 1);
  assert.equal(await countRows(Buffer.from('x\n'.repeat(10_000))), 10_000);
});

test('when a file is empty, UTF-16, binary or not UTF-8, then it is refused with a reason', async () => {
  assert.match((await unreadableReason(Buffer.alloc(0))) ?? '', /empty/);
  assert.match((await unreadableReason(Buffer.from('\ufeffabc', 'utf16le'))) ?? '', /UTF-16/);
  assert.match((await unreadableReason(Buffer.from([0x4d, 0x5a, 0x00, 0x01]))) ?? '', /binary/);
  assert.match((await unreadableReason(Buffer.from([0x61, 0xff, 0xfe, 0x62]))) ?? '', /not UTF-8/);
  assert.equal(await unreadableReason(Buffer.from(`${MD5}\n`)), null);
});

// ------------------------------------------------------------------ one line, one verdict

type Expected = [LookupType, string] | 'invalid';
const LONG_LABELS = Array.from({ length: 3 }, () => 'a'.repeat(63)).join('.');
const cut = (text: string) => (text.length > MAX_INPUT_CHARS ? `${text.slice(0, MAX_INPUT_CHARS)}…` : text);

/** [what the line is, the line, what it is detected as] */
const CASES: Array<[string, string, Expected]> = [
  // hashes come first, whatever else the line holds
  ['an upper-case MD5', MD5.toUpperCase(), ['md5', MD5]],
  ['a SHA-1 in quotes', `"${SHA1}"`, ['sha1', SHA1]],
  ['a SHA-256 then a domain', `${SHA256} evil.com`, ['sha256', SHA256]],
  ['an MD5 in single quotes then a CSV column', `'${MD5}',1.2.3.4`, ['md5', MD5]],
  // domains
  ['a plain domain', 'example.com', ['domain', 'example.com']],
  ['an upper-case domain', 'EXAMPLE.COM', ['domain', 'example.com']],
  ['a subdomain under a two-part suffix', 'a.b.example.co.uk', ['domain', 'a.b.example.co.uk']],
  ['a domain with a trailing dot', 'example.com.', ['domain', 'example.com']],
  ['a domain with hyphens and digits', 'x-1.ex-ample9.net', ['domain', 'x-1.ex-ample9.net']],
  ['a domain under a private suffix', 'evil.github.io', ['domain', 'evil.github.io']],
  ['an IDN domain', 'bücher.de', ['domain', 'xn--bcher-kva.de']],
  ['an IDN domain under an IDN suffix', 'пример.рф', ['domain', 'xn--e1afmkfd.xn--p1ai']],
  ['a punycode domain', 'xn--bcher-kva.de', ['domain', 'xn--bcher-kva.de']],
  ['a full-width domain', 'ｅｘａｍｐｌｅ．ｃｏｍ', ['domain', 'example.com']],
  ['a domain in a CSV line', 'evil.com,malware,2024-01-01', ['domain', 'evil.com']],
  ['a domain in a TSV line', 'evil.com\tc2\tseen', ['domain', 'evil.com']],
  ['a domain then a semicolon', 'evil.com;note', ['domain', 'evil.com']],
  ['a domain in double quotes', '"evil.com",x', ['domain', 'evil.com']],
  ['a domain in single quotes', "'evil.com'", ['domain', 'evil.com']],
  ['a domain with a port', 'example.com:8080', ['domain', 'example.com']],
  ['a domain with a path but no scheme', 'evil.com/payload.exe', ['domain', 'evil.com']],
  // every defanged form
  ['[.]', 'example[.]com', ['domain', 'example.com']],
  ['(.)', 'example(.)com', ['domain', 'example.com']],
  ['{.}', 'example{.}com', ['domain', 'example.com']],
  ['[dot]', 'example[dot]com', ['domain', 'example.com']],
  ['[DOT] in upper case', 'www[DOT]example[DOT]com', ['domain', 'www.example.com']],
  ['(dot)', 'example(dot)com', ['domain', 'example.com']],
  ['{dot}', 'example{dot}com', ['domain', 'example.com']],
  ['a backslash-escaped dot', 'example\\.com', ['domain', 'example.com']],
  ['hxxp with [.]', 'hxxp://evil[.]com/path', ['domain', 'evil.com']],
  ['hxxps', 'hxxps://evil.com/', ['domain', 'evil.com']],
  ['hXXp', 'hXXp://evil.com', ['domain', 'evil.com']],
  ['hXXps', 'hXXps://evil.com/x', ['domain', 'evil.com']],
  ['fxp', 'fxp://files.evil.com/drop.zip', ['domain', 'files.evil.com']],
  ['an odd scheme', 'meow://evil.com', ['domain', 'evil.com']],
  ['[:]//', 'hxxp[:]//evil[.]com', ['domain', 'evil.com']],
  ['[://]', 'hxxps[://]evil[.]com/a', ['domain', 'evil.com']],
  ['[:] before a port', '1.2.3.4[:]8080', ['ip', '1.2.3.4']],
  ['[@] in userinfo', 'hxxp://user[@]evil[.]com/', ['domain', 'evil.com']],
  ['[at] in userinfo', 'hxxp://user[at]evil[.]com/', ['domain', 'evil.com']],
  ['a defanged IPv4', '1.2.3[.]4', ['ip', '1.2.3.4']],
  ['an IPv4 defanged twice', '192[.]168[.]0[.]1', ['ip', '192.168.0.1']],
  // URLs count as their host
  ['an https URL', 'https://Example.COM/a/b?c=d#e', ['domain', 'example.com']],
  ['a URL with a port', 'http://evil.com:8443/login', ['domain', 'evil.com']],
  ['a URL with userinfo', 'http://user:pa55@evil.com/', ['domain', 'evil.com']],
  ['a URL with a query and no path', 'http://evil.com?q=1', ['domain', 'evil.com']],
  ['a URL with a fragment and no path', 'http://evil.com#top', ['domain', 'evil.com']],
  ['a URL with a backslash path', 'http://evil.com\\x', ['domain', 'evil.com']],
  ['a URL with an empty port', 'http://evil.com:/', ['domain', 'evil.com']],
  ['a URL with an IPv4 host and port', 'http://10.0.0.1:80/x', ['ip', '10.0.0.1']],
  ['a URL with a bracketed IPv6 host', 'http://[2001:DB8::1]/x', ['ip', '2001:db8::1']],
  ['a URL with a bracketed IPv6 host and port', 'https://[2001:db8::1]:8443/', ['ip', '2001:db8::1']],
  ['an ftp URL with userinfo and port', 'ftp://anon:x@files.example.org:21/pub', ['domain', 'files.example.org']],
  // IPv4
  ['an IPv4', '8.8.8.8', ['ip', '8.8.8.8']],
  ['a private IPv4', '10.0.0.1', ['ip', '10.0.0.1']],
  ['loopback', '127.0.0.1', ['ip', '127.0.0.1']],
  ['the zero address', '0.0.0.0', ['ip', '0.0.0.0']],
  ['the broadcast address', '255.255.255.255', ['ip', '255.255.255.255']],
  ['an IPv4 with a port', '1.2.3.4:443', ['ip', '1.2.3.4']],
  ['an IPv4 in a CSV line', '1.2.3.4,c2', ['ip', '1.2.3.4']],
  // IPv6
  ['a compressed IPv6', '2001:db8::1', ['ip', '2001:db8::1']],
  ['a full upper-case IPv6', '2001:0DB8:0000:0000:0000:0000:0000:0001', ['ip', '2001:db8::1']],
  ['an IPv6 compressed in the wrong place', '2001:db8:0:0:1:0:0:1', ['ip', '2001:db8::1:0:0:1']],
  ['the IPv6 loopback', '::1', ['ip', '::1']],
  ['the unspecified IPv6 address', '::', ['ip', '::']],
  ['an IPv4-mapped IPv6 is its IPv4 address', '::ffff:1.2.3.4', ['ip', '1.2.3.4']],
  ['an IPv4-mapped IPv6 in hex', '[::FFFF:0A00:0001]', ['ip', '10.0.0.1']],
  ['a bracketed IPv6', '[fe80::1]', ['ip', 'fe80::1']],
  ['a bracketed IPv6 with a port', '[2001:db8::1]:443', ['ip', '2001:db8::1']],
  ['a defanged IPv6 with [:]', '2001:db8[:]:1', ['ip', '2001:db8::1']],
  // invalid
  ['an IPv4 with an octet over 255', '256.1.1.1', 'invalid'],
  ['an IPv4 with a leading zero', '010.1.1.1', 'invalid'],
  ['an IPv4 of three parts', '1.2.3', 'invalid'],
  ['an IPv4 of five parts', '1.2.3.4.5', 'invalid'],
  ['a hexadecimal IPv4', '0x7f.0.0.1', 'invalid'],
  ['an IPv4 network in CIDR form', '10.0.0.0/8', 'invalid'],
  ['an IPv6 network in CIDR form', '2001:db8::/32', 'invalid'],
  ['an IPv6 with a zone id', 'fe80::1%eth0', 'invalid'],
  ['an IPv6 with nine groups', '1:2:3:4:5:6:7:8:9', 'invalid'],
  ['an IPv6 with two ::', '1::2::3', 'invalid'],
  ['an IPv4 in brackets', '[1.2.3.4]', 'invalid'],
  ['an unbracketed IPv6 in a URL', 'http://2001:db8::1/', 'invalid'],
  ['an email address', 'user@example.com', 'invalid'],
  ['a defanged email address', 'user[at]example[.]com', 'invalid'],
  ['a mailto link', 'mailto:user@example.com', 'invalid'],
  ['a file name', 'notepad.exe', 'invalid'],
  ['a document name', 'report.pdf', 'invalid'],
  ['localhost', 'localhost', 'invalid'],
  ['a bare public suffix', 'com', 'invalid'],
  ['a bare two-part public suffix', 'co.uk', 'invalid'],
  ['an intranet name', 'fileserver.corp.local', 'invalid'],
  ['a domain with an underscore', 'foo_bar.example.com', 'invalid'],
  ['a label starting with a hyphen', '-evil.com', 'invalid'],
  ['a label of 64 characters', `${'a'.repeat(64)}.com`, 'invalid'],
  ['a domain of 253 characters', `${LONG_LABELS}.${'a'.repeat(57)}.com`, ['domain', `${LONG_LABELS}.${'a'.repeat(57)}.com`]],
  ['a domain of 254 characters', `${LONG_LABELS}.${'a'.repeat(58)}.com`, 'invalid'],
  ['an empty label', 'evil..com', 'invalid'],
  ['a percent-encoded domain', '%65vil.com', 'invalid'],
  ['a wildcard domain', '*.evil.com', 'invalid'],
  ['broken punycode', 'xn--zz.com', 'invalid'],
  ['a URL with no host', 'http:///path', 'invalid'],
  ['a file URL', 'file:///etc/passwd', 'invalid'],
  ['a URL with a port over 65535', 'http://evil.com:70000/', 'invalid'],
  ['a domain with a word for a port', 'evil.com:http', 'invalid'],
  ['a Windows path', 'C:\\Windows\\notepad.exe', 'invalid'],
  ['a Unix path', '/usr/bin/evil.com', 'invalid'],
  ['javascript:', 'javascript:alert(1)', 'invalid'],
  ['HTML', '<script>alert(1)</script>', 'invalid'],
  ['a number', '1234', 'invalid'],
  ['a hash one character short', MD5.slice(1), 'invalid'],
  ['a spreadsheet formula', "=HYPERLINK(\"http://evil.com\")", 'invalid'],
];

for (const [what, line, expected] of CASES) {
  const shown = expected === 'invalid' ? 'an invalid row' : `${expected[0]} ${expected[1]}`;
  const quoted = JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
  test(`when a line holds ${what} (${quoted}), then it is ${shown}`, () => {
    const row = parseLine(line, 7);
    assert.ok(row, 'not blank');
    if (expected === 'invalid') {
      assert.deepEqual(row, { line: 7, kind: 'invalid', input: cut(line.trim()) });
      assert.equal(detectValue(line), null);
    } else {
      assert.equal(row.kind, 'lookup', JSON.stringify(row));
      assert.deepEqual(row.kind === 'lookup' && [row.type, row.value], expected);
      assert.deepEqual(detectValue(line), { type: expected[0], value: expected[1] });
    }
  });
}

test('when a line is a domain or IP, then its input keeps what the user wrote and its value is the host', () => {
  assert.deepEqual(parseLine('  "hXXps[://]Evil[.]COM:8443/x",c2  ', 3), {
    line: 3, kind: 'lookup', input: 'hXXps[://]Evil[.]COM:8443/x', value: 'evil.com', type: 'domain',
  });
  assert.deepEqual(parseLine('2001:0DB8::0001\tseen', 4), {
    line: 4, kind: 'lookup', input: '2001:0DB8::0001', value: '2001:db8::1', type: 'ip',
  });
});

test('when a list mixes hashes, domains, IPs and junk, then each line gets its own kind', () => {
  const rows = parse(`${MD5}\nevil[.]com\n\n1.2.3[.]4\nnotepad.exe\nhxxp://[::1]:80/\n`);
  assert.deepEqual(
    rows.map((r) => [r.line, r.kind === 'lookup' ? `${r.type}:${r.value}` : 'invalid']),
    [[1, `md5:${MD5}`], [2, 'domain:evil.com'], [4, 'ip:1.2.3.4'], [5, 'invalid'], [6, 'ip:::1']],
  );
});

test('when detectValue is given a type, then it only answers for a value of that type', () => {
  assert.deepEqual(detectValue('evil[.]com', 'domain'), { type: 'domain', value: 'evil.com' });
  assert.equal(detectValue(MD5, 'domain'), null);
  assert.equal(detectValue(SHA1, 'md5'), null);
  assert.deepEqual(detectValue(SHA1, 'sha1'), { type: 'sha1', value: SHA1 });
  assert.equal(detectValue('1.2.3.4', 'domain'), null);
  assert.deepEqual(detectValue('1.2.3.4', 'ip'), { type: 'ip', value: '1.2.3.4' });
  assert.equal(detectValue('evil.com', 'ip'), null);
  assert.equal(detectValue('   '), null);
});
