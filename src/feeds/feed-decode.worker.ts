import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parentPort, workerData } from 'node:worker_threads';
import { GarbledBatchError } from './feed-lines.js';
import { bunzip } from './bunzip.js';

// Downloads one feed batch and decompresses it off the main thread: the bzip2 decoder is plain
// JavaScript and decodes a 900 KB block (more at the end of a stream) in one synchronous call, which
// on the main thread would hold up every page and lookup. feed-decoder.ts starts and talks to it.
//
// To the parent: { chunk } (decompressed bytes, then waits for 'more'), { end: true }, or
// { error, garbled } (garbled: the bzip2 data is broken, else the download failed).

const port = parentPort;
if (!port) throw new Error('feed-decode.worker.ts runs only as a worker');
const { url } = workerData as { url: string };

let more: (() => void) | null = null;
port.on('message', () => {
  const next = more;
  more = null;
  next?.();
});

const fail = (error: string, garbled: boolean) => port.postMessage({ error, garbled });

try {
  const response = await fetch(url);
  if (!response.ok || !response.body) {
    fail(`the batch's download answered ${response.status}`, false);
  } else {
    const decoded = bunzip(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>));
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      const copy = new Uint8Array(chunk);
      const asked = new Promise<void>((resolve) => (more = resolve));
      port.postMessage({ chunk: copy }, [copy.buffer]);
      await asked;
    }
    port.postMessage({ end: true });
  }
} catch (err) {
  fail((err as Error).message, err instanceof GarbledBatchError);
}
