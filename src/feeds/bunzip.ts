import { PassThrough, Transform, type Readable } from 'node:stream';
import unbzip2 from 'unbzip2-stream';
import { GarbledBatchError } from './feed-lines.js';

/** Compressed bytes fed to the decoder at a time (see slices). */
const SLICE_BYTES = 16 * 1024;

/**
 * `compressed` through the bzip2 decoder, as a stream that holds the source back while its reader is
 * behind. The decoder is an old-style stream: its `pipe` pauses it (Readable.wrap would not do: the
 * decoder closes right after it ends, and wrap then destroys the reader before its last lines are
 * read). Broken bzip2 fails the stream with a GarbledBatchError.
 */
export function bunzip(compressed: Readable): Readable {
  const decoder = unbzip2();
  const reader = new PassThrough({ highWaterMark: 1 << 20 });
  decoder.on('error', (err: Error) => reader.destroy(new GarbledBatchError(`bzip2: ${err.message}`)));
  compressed.on('error', (err) => reader.destroy(err));
  reader.on('close', () => compressed.destroy());
  compressed.pipe(slices()).pipe(decoder).pipe(reader);
  return reader;
}

/**
 * The decoder decompresses all it is given in one go, whatever its reader's backpressure: a large
 * network chunk of highly compressible JSON would become many megabytes in one synchronous call.
 * Small slices keep each call to a block or two and let backpressure bite.
 */
function slices(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) this.push(chunk.subarray(at, at + SLICE_BYTES));
      done();
    },
  });
}
