import { readFileSync, lstatSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../shared/config.js';

/** One watched folder, as the connector runs it: paths absolute, times in milliseconds. */
export interface ConnectorConfig {
  name: string;
  folder: string;
  /** Lowercased, as accounts are stored; the account must exist when the connector runs. */
  ownerEmail: string;
  intervalMs: number;
  outputFolder: string;
  emailOnCompletion: boolean;
  /** A file is read only once its size and mtime have not changed for this long. */
  settleMs: number;
}

const required = (expected: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${expected}`);
const text = z.string({ error: required('text') }).trim().min(1, 'must not be empty');

const connectorSchema = z.strictObject({
  name: text.max(100, 'must be at most 100 characters'),
  folder: text,
  ownerEmail: z.string({ error: required('an email address') }).trim().toLowerCase().pipe(z.email({ error: 'must be an email address' })),
  intervalSeconds: z.number({ error: required('a number of seconds') }).positive('must be more than 0'),
  outputFolder: text,
  emailOnCompletion: z.boolean({ error: required('true or false') }).default(false),
  settleSeconds: z.number({ error: required('a number of seconds') }).min(0, 'must not be negative').default(2),
});

const fileSchema = z.strictObject(
  { connectors: z.array(connectorSchema, { error: required('a list of connectors') }).min(1, 'must list at least one connector') },
  { error: 'must be an object with a "connectors" list' },
);

/**
 * Reads and checks connectors.json; throws ConfigError naming the file and every problem at once.
 * Relative folders are taken from the file's own folder, so the file means the same from any working directory.
 */
export function loadConnectorsFile(file: string): ConnectorConfig[] {
  const path = resolve(file);
  const fail = (problems: string[]) => new ConfigError(`Invalid connectors file ${path} (CONNECTORS_FILE):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw fail([`cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (err) {
    throw fail([`is not valid JSON: ${(err as Error).message}`]);
  }
  const base = dirname(path);
  const parsed = fileSchema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${describePath(raw, issue.path)}: ${issue.message}`);
  problems.push(...folderProblems(raw, base));
  if (!parsed.success || problems.length > 0) throw fail(problems.sort((a, b) => entryIndex(a) - entryIndex(b)));
  return parsed.data.connectors.map((c) => ({
    name: c.name,
    folder: resolve(base, c.folder),
    ownerEmail: c.ownerEmail,
    intervalMs: Math.round(c.intervalSeconds * 1000),
    outputFolder: resolve(base, c.outputFolder),
    emailOnCompletion: c.emailOnCompletion,
    settleMs: Math.round(c.settleSeconds * 1000),
  }));
}

/** Problems listed entry by entry (sort is stable: each entry's keep their order); file-wide ones first. */
const entryIndex = (problem: string) => Number(/^connectors\[(\d+)\]/.exec(problem)?.[1] ?? -1);

/** `connectors[1] (inbox).folder`: the index finds the entry, the name says which one is meant. */
function describePath(raw: unknown, path: PropertyKey[]): string {
  if (path.length === 0) return '(file)';
  const [first, index, ...rest] = path;
  if (first !== 'connectors' || typeof index !== 'number') return path.map(String).join('.');
  return [`connectors[${index}]${nameSuffix(entryAt(raw, index))}`, ...rest.map(String)].join('.');
}

function entryAt(raw: unknown, index: number): Record<string, unknown> | null {
  const list = (raw as { connectors?: unknown } | null)?.connectors;
  const entry = Array.isArray(list) ? list[index] : null;
  return entry && typeof entry === 'object' ? (entry as Record<string, unknown>) : null;
}

const nameSuffix = (entry: Record<string, unknown> | null) =>
  typeof entry?.name === 'string' && entry.name.trim() !== '' ? ` (${entry.name.trim()})` : '';

/** What the schema cannot see: folders that are not there, and names or folders used twice. */
function folderProblems(raw: unknown, base: string): string[] {
  const list = (raw as { connectors?: unknown } | null)?.connectors;
  if (!Array.isArray(list)) return [];
  const problems: string[] = [];
  const names = new Map<string, number>();
  const watched = new Map<string, number>();
  list.forEach((_, index) => {
    const entry = entryAt(raw, index);
    const where = `connectors[${index}]${nameSuffix(entry)}`;
    for (const key of ['folder', 'outputFolder'] as const) {
      const value = entry?.[key];
      if (typeof value !== 'string' || value.trim() === '') continue;
      const dir = resolve(base, value.trim());
      if (!isDirectory(dir)) problems.push(`${where}.${key}: ${dir} is not an existing folder (a link is not followed: give the folder's real path)`);
      // Two connectors on one folder would race each other for every file.
      if (key === 'folder') noteRepeat(watched, dir, index, (first) => problems.push(`${where}.folder: ${dir} is already watched by connectors[${first}]`));
    }
    const name = entry?.name;
    if (typeof name === 'string' && name.trim() !== '') {
      noteRepeat(names, name.trim(), index, (first) => problems.push(`${where}.name: "${name.trim()}" is already the name of connectors[${first}]`));
    }
  });
  return problems;
}

function noteRepeat(seen: Map<string, number>, key: string, index: number, report: (first: number) => void): void {
  const first = seen.get(key);
  if (first === undefined) seen.set(key, index);
  else report(first);
}

/** A real directory, not a link to one: the connector refuses to read or write through links. */
function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
