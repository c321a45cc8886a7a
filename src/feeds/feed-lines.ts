import { StringDecoder } from 'node:string_decoder';
import type { FeedType } from './feed.table.js';

// A feed batch is NDJSON: one bare VirusTotal object per line. Read as a stream, a line at a time,
// so a batch of any size holds only the lines of one write batch in memory.

/** The batch cannot be read: broken bzip2, or a line that is not the object it should be. */
export class GarbledBatchError extends Error {}

/** A line longer than this is taken for a garbled batch (VirusTotal objects run to a few MB at most): memory stays bounded even without line ends. */
export const MAX_LINE_CHARS = 16 << 20;

/**
 * The non-blank lines of a byte stream, in order, without their line ends. Each chunk is scanned
 * once (a line spread over many chunks is joined once, at its end), so the work per chunk is bounded
 * by the chunk's size whatever the lines' length.
 */
export async function* readLines(chunks: AsyncIterable<Buffer | string>, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let parts: string[] = [];
  let partChars = 0;
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      parts.push(text.slice(start, end));
      const line = (parts.length === 1 ? parts[0]! : parts.join('')).trim();
      parts = [];
      partChars = 0;
      start = end + 1;
      if (line !== '') yield line;
    }
    if (start < text.length) {
      parts.push(text.slice(start));
      partChars += text.length - start;
      if (partChars > maxLineChars) throw new GarbledBatchError(`a line longer than ${Math.round(maxLineChars / 1048576)} MB`);
    }
  }
  const last = (parts.join('') + decoder.end()).trim();
  if (last !== '') yield last;
}

/** Lines gathered into groups of at most `maxLines` lines or about `maxBytes` characters, whichever comes first. */
export async function* groupLines(lines: AsyncIterable<string>, maxLines: number, maxBytes: number): AsyncGenerator<string[]> {
  let group: string[] = [];
  let size = 0;
  for await (const line of lines) {
    group.push(line);
    size += line.length;
    if (group.length >= maxLines || size >= maxBytes) {
      yield group;
      group = [];
      size = 0;
    }
  }
  if (group.length > 0) yield group;
}

const OBJECT_TYPE: Record<FeedType, string> = { files: 'file', urls: 'url', domains: 'domain', ip_addresses: 'ip_address' };

export interface FeedLine {
  /** The object's id: a file's SHA-256, the domain, the IP, the URL's id. */
  id: string;
  /** The line as VirusTotal's lookup answer would wrap it: `{ "data": <object> }`. */
  answer: { data: Record<string, unknown> };
  /** The same answer as text, made from the line as it came (not serialised again). */
  answerText: string;
}

/** One line of a `feed` batch read into its object; throws GarbledBatchError naming the line when it is not one. */
export function parseFeedLine(feed: FeedType, text: string, lineNumber: number): FeedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GarbledBatchError(`line ${lineNumber}: not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GarbledBatchError(`line ${lineNumber}: not a JSON object`);
  const object = value as Record<string, unknown>;
  const id = object['id'];
  if (typeof id !== 'string' || id === '') throw new GarbledBatchError(`line ${lineNumber}: no "id"`);
  const type = object['type'];
  if (type !== undefined && type !== OBJECT_TYPE[feed]) throw new GarbledBatchError(`line ${lineNumber}: a "${String(type)}" object in the ${feed} feed`);
  if (typeof object['attributes'] !== 'object' || object['attributes'] === null) throw new GarbledBatchError(`line ${lineNumber}: no "attributes"`);
  return { id: feed === 'files' ? id.toLowerCase() : id, answer: { data: object }, answerText: `{"data":${text}}` };
}
