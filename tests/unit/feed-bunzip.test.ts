import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { bunzip } from '../../src/feeds/bunzip.js';
import { GarbledBatchError } from '../../src/feeds/feed-lines.js';

/** About 1.5 MB of distinct NDJSON lines: several blocks at `bzip2 -1` (100 KB blocks). */
const TEXT = Buffer.from(Array.from({ length: 12_000 }, (_, i) => JSON.stringify({ id: `feed-${i}.example.net`, n: (i * 2654435761) % 4294967296, pad: String(i * 7919).repeat(12) })).join('\n') + '\n');
const PACKED = execFileSync('bzip2', ['-1', '-c'], { input: TEXT });

async function readAll(stream: Readable): Promise<{ out: Buffer; err: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of stream) parts.push(chunk as Buffer);
    return { out: Buffer.concat(parts), err: null };
  } catch (err) {
    return { out: Buffer.concat(parts), err };
  }
}

/** The source handed over in small pieces, as a download arrives. */
const source = (bytes: Buffer) => Readable.from((function* () {
  for (let at = 0; at < bytes.length; at += 8192) yield bytes.subarray(at, at + 8192);
})());

test('when a batch is whole, then the bzip2 program gives back exactly its bytes', async () => {
  const { out, err } = await readAll(bunzip(source(PACKED), 'bzip2'));
  assert.equal(err, null);
  assert.ok(out.equals(TEXT));
});

test('when a block fails its check, then the batch fails as garbled, naming the damage, and nothing unchecked came out', async () => {
  // A second bzip2 stream after the batch, its first block's stored CRC changed (bytes 10 to 13: after
  // "BZh1" and the block magic): the block decodes, bzip2 writes it out, then finds the CRC wrong.
  const more = execFileSync('bzip2', ['-1', '-c'], { input: TEXT.subarray(0, 300_000) });
  for (let i = 10; i < 14; i++) more[i] = more[i]! ^ 0x5a;
  const { out, err } = await readAll(bunzip(source(Buffer.concat([PACKED, more])), 'bzip2'));
  assert.ok(err instanceof GarbledBatchError, String(err));
  assert.match(err.message, /^bzip2: Data integrity error/);
  assert.ok(out.length > 0, 'checked blocks before the damage came out');
  assert.ok(out.length <= TEXT.length && out.equals(TEXT.subarray(0, out.length)), `only checked bytes came out (${out.length} of ${TEXT.length} checked)`);
});

test('when a batch ends early, then it fails as garbled: the file ends unexpectedly', async () => {
  const { out, err } = await readAll(bunzip(source(PACKED.subarray(0, Math.floor(PACKED.length / 2))), 'bzip2'));
  assert.ok(err instanceof GarbledBatchError, String(err));
  assert.match(err.message, /ends unexpectedly/);
  assert.ok(out.equals(TEXT.subarray(0, out.length)));
});

test('when the download breaks off, then the batch fails with the download\'s error, not as garbled', async () => {
  const failing = Readable.from((async function* () {
    yield PACKED.subarray(0, 100_000);
    throw new Error('socket hang up');
  })());
  const { err } = await readAll(bunzip(failing, 'bzip2'));
  assert.ok(err instanceof Error && !(err instanceof GarbledBatchError), String(err));
  assert.match(err.message, /socket hang up/);
});

test('when the reader stops mid-batch, then the program is killed and gone once the stream has closed', async () => {
  // A source that never ends: the program waits on its stdin until it is killed.
  const stalled = new Readable({ read() {} });
  stalled.push(PACKED.subarray(0, 400_000));
  const stream = bunzip(stalled, 'bzip2');
  const pids = bzip2Children();
  assert.equal(pids.length, 1, 'one bzip2 -dc runs');
  stream.destroy();
  await new Promise((resolve) => stream.once('close', resolve));
  assert.deepEqual(bzip2Children(), [], 'no bzip2 -dc left, not even a zombie');
  assert.ok(stalled.destroyed, 'the download is let go');
});

/** This process's children running `bzip2 -dc` (zombies included: their /proc entry stays until reaped). */
function bzip2Children(): number[] {
  const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n');
  return children.filter((l) => /bzip2/.test(l) && !/-1 -c/.test(l)).map((l) => Number.parseInt(l.trim(), 10));
}
