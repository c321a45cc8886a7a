import { spawn } from 'node:child_process';
import { Transform, pipeline, type Readable } from 'node:stream';
import { GarbledBatchError } from './feed-lines.js';

/** What is kept of the program's complaints: its first lines say what broke. */
const STDERR_KEPT = 4096;
/**
 * The most a bzip2 block holds before its first decoding step (run-length decoding): 100,000 bytes
 * times the level, 9 at most. libbz2's decoder refuses a larger block, whoever compressed it.
 */
const BLOCK_MAX = 900_000 + 1024;

/**
 * `compressed` decompressed by the bzip2 program (`program -dc`, libbz2's reference decoder) in a
 * child process: decoding costs the event loop nothing, and memory stays bounded because both pipes
 * keep backpressure (the program blocks on a full stdout pipe while the reader is behind, and the
 * download waits on its stdin).
 *
 * The program writes a block out before it checks the block's CRC, so output is held back until the
 * block it came from is known to be checked (verifiedOnly): nothing corrupt is ever stored. The
 * stream ends only once the program has exited: a batch cut short or corrupt (exit 2, "data
 * integrity error", "file ends unexpectedly", "not a bzip2 file") fails it with a GarbledBatchError
 * after the verified lines before the damage. A download that breaks off fails it with that error.
 * Destroying it (the feed stops, a line is garbled) kills the program, and its `close` comes once
 * the program has exited and been reaped: no process or pipe outlives the batch.
 */
export function bunzip(compressed: Readable, program: string): Readable {
  // No shell and fixed arguments: nothing from VirusTotal reaches a command line.
  const child = spawn(program, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < STDERR_KEPT) stderr += text;
  });
  const exited = new Promise<Error | null>((resolve) => {
    child.once('error', (err) => resolve(new Error(`could not run ${program}: ${err.message}`)));
    child.once('close', (code, signal) => resolve(code === 0 ? null : failure(code, signal, stderr)));
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const held = verifiedOnly();
  const output = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (const verified of held.add(chunk)) this.push(verified);
      done();
    },
    // stdout has ended: the rest is whole only if the program says so.
    flush(done) {
      void exited.then((err) => {
        if (!err) for (const verified of held.rest()) this.push(verified);
        done(err);
      });
    },
    destroy: (err, done) => {
      if (running()) child.kill('SIGKILL');
      // By hand: the pipelines see this stream's error only after this callback, which waits for them.
      child.stdout.destroy();
      child.stdin.destroy();
      compressed.destroy();
      void exited.then(() => done(err));
    },
  });
  pipeline(compressed, child.stdin, (err) => {
      // EPIPE and the like: the program stopped reading, and its exit status (flush) says why.
    if (err && running() && !isPipeError(err)) output.destroy(err);
  });
  pipeline(child.stdout, output, () => undefined);
  return output;
}

/**
 * Holds the program's output back until it is checked. bzip2 checks a block's CRC when the block's
 * last byte is out, before it starts the next block; so a byte is checked once the output after it
 * no longer fits in its block. What follows a byte is measured by a lower bound of its size inside a
 * block before run-length decoding (a run of one byte counts its first four bytes only): once that
 * passes BLOCK_MAX, the byte's block has ended. At most one block's output is held (about 1 MB of
 * JSON; 46 MB for a batch made of long runs, the worst case).
 */
function verifiedOnly() {
  const queue: { chunk: Buffer; weight: number }[] = [];
  let heldWeight = 0;
  let runByte = -1;
  let runLength = 0;
  return {
    /** Takes a chunk of output; returns the chunks now known to be checked. */
    add(chunk: Buffer): Buffer[] {
      let weight = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (byte === runByte) runLength++;
        else [runByte, runLength] = [byte, 1];
        if (runLength <= 4) weight++;
      }
      queue.push({ chunk, weight });
      heldWeight += weight;
      const out: Buffer[] = [];
      while (queue.length > 0 && heldWeight - queue[0]!.weight > BLOCK_MAX) {
        const first = queue.shift()!;
        heldWeight -= first.weight;
        out.push(first.chunk);
      }
      return out;
    },
    /** The program exited 0: every block was checked. */
    rest: () => queue.splice(0).map((q) => q.chunk),
  };
}

function failure(code: number | null, signal: NodeJS.Signals | null, stderr: string): Error {
  // bzip2's first line names the damage ("bzip2: Data integrity error when decompressing."); the rest is advice.
  const said = stderr.split('\n').find((l) => l.trim() !== '')?.replace(/^bzip2:\s*/, '').replace(/[;.]\s*$/, '') ?? '';
  if (code === 2) return new GarbledBatchError(`bzip2: ${said || 'the batch is not valid bzip2'}`);
  return new Error(`bzip2 failed (${signal ?? `exit ${code}`})${said ? `: ${said}` : ''}`);
}

const isPipeError = (err: Error) => ['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_PREMATURE_CLOSE'].includes((err as NodeJS.ErrnoException).code ?? '');
