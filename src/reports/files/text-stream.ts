import { once } from 'node:events';
import type { Writable } from 'node:stream';

// Text files sent as they are made: the CSV and JSON exports and the hash list.

/** Plain text, one value a line: the hash list that the copy button puts on the clipboard. */
export function streamLines(out: Writable, lines: AsyncIterable<string>, signal?: AbortSignal): Promise<void> {
  return streamText(out, linesText(lines), signal);
}

async function* linesText(lines: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const line of lines) yield `${line}\n`;
}

/** About 64 KB a write: one socket write per row cost more than turning the row into text. */
export const CHUNK_CHARS = 64 * 1024;

/**
 * Sends the text as it is made, waiting whenever the socket is full, so a 100,000-row export never
 * sits in memory. Stops reading once the client has gone (`out` destroyed, or `signal` aborted):
 * nobody would receive the rest. Leaving the loop closes `pieces`, and with it the rows' reader.
 */
export async function streamText(out: Writable, pieces: AsyncIterable<string>, signal?: AbortSignal): Promise<void> {
  let chunk = '';
  for await (const piece of pieces) {
    if (signal?.aborted) return;
    chunk += piece;
    if (chunk.length < CHUNK_CHARS) continue;
    if (!(await write(out, chunk))) return;
    chunk = '';
  }
  if (chunk !== '' && !signal?.aborted) await write(out, chunk);
}

/** False once the client has gone. */
async function write(out: Writable, chunk: string): Promise<boolean> {
  if (out.destroyed) return false;
  if (!out.write(chunk)) await drainedOrClosed(out);
  return !out.destroyed;
}

/** A cancelled download never drains; the listener that lost the race goes with it. */
export async function drainedOrClosed(out: Writable): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: stop.signal }), once(out, 'close', { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
}
