// The readable form of a log line, for a person at a terminal: time, level, message and the few
// fields that matter, on one line; an error's stack below it. JSON stays the form for machines.

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
/** Fields every line has, or that the message already says. */
const SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err', 'req', 'res', 'responseTime']);

export interface LineSink {
  write(text: string): unknown;
}

/** One pino JSON line as a person reads it. A line that is not JSON is passed on as it is. */
export function formatLogLine(json: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString().slice(11, 19);
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const label = colour && COLOURS[level] ? `${COLOURS[level]}${name}\x1b[0m` : name;
  const fields = Object.entries(entry)
    .filter(([key, value]) => !SKIPPED.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const head = [time, label, String(entry.msg ?? ''), ...fields].filter((part) => part !== '').join(' ');
  const stack = stackOf(entry.err);
  return `${head}\n${stack ? `${stack}\n` : ''}`;
}

/** A pino destination that writes each line readably to `out` (stdout by default). */
export function prettyDestination(out: LineSink = process.stdout, colour = false): LineSink {
  return { write: (line: string) => out.write(formatLogLine(line.trimEnd(), colour)) };
}

function stackOf(err: unknown): string | null {
  if (!err || typeof err !== 'object') return null;
  const { stack, message } = err as { stack?: unknown; message?: unknown };
  if (typeof stack === 'string') return stack.replace(/^/gm, '    ');
  return typeof message === 'string' ? `    ${message}` : null;
}
