import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { GarbledBatchError } from './feed-lines.js';

type WorkerMessage = { chunk: Uint8Array } | { end: true } | { error: string; garbled: boolean };

const isTs = import.meta.url.endsWith('.ts');
const workerUrl = new URL(`./feed-decode.worker${isTs ? '.ts' : '.js'}`, import.meta.url);
// Workers inherit execArgv; only add the tsx loader when the parent was not started with it.
const needsLoader = isTs && !process.execArgv.some((a) => a.includes('tsx'));
const TS_ENTRY = `require('tsx/cjs'); import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(workerUrl.href)}, __filename));`;

/**
 * The decompressed bytes of the batch at `url`, downloaded and decoded in a worker thread (see
 * feed-decode.worker.ts). The worker sends a chunk only when this stream asks for more, so a slow
 * reader (the database) holds the download back and memory stays at a few chunks. Destroying the
 * stream ends the worker. A broken bzip2 stream fails it with a GarbledBatchError.
 */
export function decodeInWorker(url: string): Readable {
  const options = { workerData: { url }, ...(needsLoader ? { execArgv: [...process.execArgv, '--import', 'tsx'] } : {}) };
  // Under tsx (npm start, tests) a plain worker does not get tsx's hooks for its .ts entry; tsx's own API loads it.
  const worker = isTs ? new Worker(TS_ENTRY, { ...options, eval: true }) : new Worker(workerUrl, options);
  let owed = false;
  const reader = new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (!owed) return;
      owed = false;
      worker.postMessage('more');
    },
    destroy(err, done) {
      void worker.terminate();
      done(err);
    },
  });
  worker.on('message', (message: WorkerMessage) => {
    if ('chunk' in message) {
      if (reader.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength))) worker.postMessage('more');
      else owed = true;
    } else if ('end' in message) {
      reader.push(null);
      void worker.terminate();
    } else {
      reader.destroy(message.garbled ? new GarbledBatchError(message.error) : new Error(message.error));
    }
  });
  worker.on('error', (err) => reader.destroy(err));
  return reader;
}
