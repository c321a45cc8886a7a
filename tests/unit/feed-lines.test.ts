import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GarbledBatchError, groupLines, parseFeedLine, readLines } from '../../src/feeds/feed-lines.js';
import { isPublished, minuteName, minuteStart, nextMinute } from '../../src/feeds/feed-minute.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

test('when lines and multi-byte characters are split across chunks, then each line comes out whole', async () => {
  const text = Buffer.from('{"a":"é"}\r\n\n{"b":"€"}\n{"c":1}');
  // Split inside "é" (2 bytes) and inside "€" (3 bytes).
  const cut1 = text.indexOf(0xa9);
  const cut2 = text.indexOf(0x82);
  const lines = await collect(readLines(chunks(text.subarray(0, cut1), text.subarray(cut1, cut2), text.subarray(cut2))));
  assert.deepEqual(lines, ['{"a":"é"}', '{"b":"€"}', '{"c":1}'], 'blank lines dropped, CRLF trimmed, last line without newline kept');
});

test('when lines are grouped, then a group closes at the line count or the size, whichever comes first', async () => {
  async function* lines() {
    yield* ['a', 'b', 'c', 'dddddddddd', 'e'];
  }
  assert.deepEqual(await collect(groupLines(lines(), 2, 1000)), [['a', 'b'], ['c', 'dddddddddd'], ['e']]);
  assert.deepEqual(await collect(groupLines(lines(), 100, 5)), [['a', 'b', 'c', 'dddddddddd'], ['e']]);
});

test('when a feed line is an object of the feed, then it is wrapped as a lookup answer; a file id is lowercased', () => {
  const line = parseFeedLine('files', '{"type":"file","id":"ABC","attributes":{"md5":"x"}}', 1);
  assert.equal(line.id, 'abc');
  assert.deepEqual(line.answer, { data: { type: 'file', id: 'ABC', attributes: { md5: 'x' } } });
});

test('when a feed line is not the object it should be, then the batch is garbled and the line named', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"id": "broken', /line 7: not JSON/],
    ['[1,2]', /line 7: not a JSON object/],
    ['{"type":"domain","attributes":{}}', /line 7: no "id"/],
    ['{"type":"file","id":"a.com","attributes":{}}', /line 7: a "file" object in the domains feed/],
    ['{"type":"domain","id":"a.com"}', /line 7: no "attributes"/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseFeedLine('domains', text, 7), (err: unknown) => err instanceof GarbledBatchError && message.test(err.message), text);
  }
});

test('when minutes are named, then they read as the feed path names them and only those 60 minutes old are published', () => {
  const at = Date.UTC(2026, 11, 6, 8, 2, 30);
  assert.equal(minuteName(at), '202612060802');
  assert.equal(minuteStart('202612060802'), Date.UTC(2026, 11, 6, 8, 2));
  assert.equal(nextMinute('202612312359'), '202701010000');
  assert.ok(Number.isNaN(minuteStart('2026-12-06')));
  assert.equal(isPublished('202612060702', at), true);
  assert.equal(isPublished('202612060703', at), false);
});

test('when a batch has no line ends for longer than a line may be, then it is garbled, not read into memory whole', async () => {
  const long = Buffer.alloc(40, 'x');
  await assert.rejects(collect(readLines(chunks(Buffer.from('{"a":1}\n'), long, long), 64)), (err: unknown) => err instanceof GarbledBatchError && /a line longer than/.test(err.message));
  assert.deepEqual(await collect(readLines(chunks(long, Buffer.from('\n'), long), 64)), ['x'.repeat(40), 'x'.repeat(40)], 'lines up to the cap are read');
});
