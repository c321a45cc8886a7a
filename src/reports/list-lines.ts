/**
 * The lines of an uploaded list, found without decoding it: byte spans between LF, CRLF or lone CR.
 * Each break is found with Buffer#indexOf (a native scan), so a 99 MB single line costs one scan,
 * not a JavaScript step per byte; and a file that uses only one kind of break never rescans for the other.
 */

/**
 * A line longer than this many bytes is no hash, domain or IP address (the longest, a URL naming a
 * 253-character domain, fits many times over): it becomes an invalid row at once, without being
 * decoded whole, refanged or read as a host. Refanging a 99 MB line of `[.]` took 12 s and 2.3 GB.
 */
export const MAX_LINE_BYTES = 4096;

const LF = 0x0a;
const CR = 0x0d;

/** [start, end) of every line, the last one (possibly empty) included; a UTF-8 BOM is skipped. */
export function* lineSpans(buf: Buffer): Generator<[number, number]> {
  let start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let nextLf = buf.indexOf(LF, start);
  let nextCr = buf.indexOf(CR, start);
  for (;;) {
    if (nextLf !== -1 && nextLf < start) nextLf = buf.indexOf(LF, start);
    if (nextCr !== -1 && nextCr < start) nextCr = buf.indexOf(CR, start);
    const end = Math.min(nextLf === -1 ? buf.length : nextLf, nextCr === -1 ? buf.length : nextCr);
    yield [start, end];
    if (end >= buf.length) return;
    start = end + (buf[end] === CR && buf[end + 1] === LF ? 2 : 1);
  }
}

/** ASCII whitespace as String#trim sees it: tab, LF, VT, FF, CR, space. */
const isAsciiSpace = (byte: number) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

/**
 * Whether the span is a row of the report (what parseList yields for it): any line over
 * MAX_LINE_BYTES, else a line with something other than whitespace in it.
 */
export function isRowSpan(buf: Buffer, start: number, end: number): boolean {
  if (end - start > MAX_LINE_BYTES) return true;
  for (let i = start; i < end; i++) {
    const byte = buf[i] ?? 0x20;
    if (isAsciiSpace(byte)) continue;
    // Beyond ASCII, Unicode spaces (NBSP, U+2028…) count as blank too: let String#trim decide.
    return byte < 0x80 || buf.toString('utf8', start, end).trim() !== '';
  }
  return false;
}

/** Lets other callbacks run between stretches of synchronous work of at most `budgetMs`. */
export function breather(budgetMs = 15): () => Promise<void> | null {
  let since = performance.now();
  return () => {
    if (performance.now() - since < budgetMs) return null;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        since = performance.now();
        resolve();
      }),
    );
  };
}

/**
 * The number of rows the list makes, counted without parsing a line (the same spans as lineSpans,
 * walked inline: a 100 MB file of blank lines is 100 million of them), giving the event loop a turn
 * every few milliseconds.
 */
export async function countRows(buf: Buffer): Promise<number> {
  const pause = breather();
  let rows = 0;
  let start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let nextLf = buf.indexOf(LF, start);
  let nextCr = buf.indexOf(CR, start);
  for (let steps = 1; ; steps++) {
    if (nextLf !== -1 && nextLf < start) nextLf = buf.indexOf(LF, start);
    if (nextCr !== -1 && nextCr < start) nextCr = buf.indexOf(CR, start);
    const end = Math.min(nextLf === -1 ? buf.length : nextLf, nextCr === -1 ? buf.length : nextCr);
    if (isRowSpan(buf, start, end)) rows++;
    if (end >= buf.length) return rows;
    start = end + (buf[end] === CR && buf[end + 1] === LF ? 2 : 1);
    if (steps % 4096 === 0) await pause();
  }
}
