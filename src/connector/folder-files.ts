import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A file seen twice with the same size and mtime, `settleMs` apart. */
export interface SettledFile {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * The `.txt` files directly in `folder`. Hidden ones are left alone: rsync and many editors write
 * to a dot-name while copying and rename when done.
 */
export async function listTextFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && e.name.toLowerCase().endsWith('.txt'))
    .map((e) => e.name)
    .sort();
}

/**
 * Splits `names` into files whose size and mtime stayed the same across `settleMs` and files that
 * changed meanwhile (still being written or copied: a later pass takes them). Stopping the wait
 * (`signal`) settles nothing.
 */
export async function settleFiles(folder: string, names: string[], settleMs: number, signal?: AbortSignal): Promise<{ settled: SettledFile[]; waiting: string[] }> {
  const before = await statAll(folder, names);
  if (settleMs > 0) {
    try {
      await sleep(settleMs, undefined, { signal });
    } catch {
      return { settled: [], waiting: names };
    }
  }
  const after = await statAll(folder, names);
  const settled: SettledFile[] = [];
  const waiting: string[] = [];
  for (const name of names) {
    const a = before.get(name);
    const b = after.get(name);
    // Gone meanwhile (another process took it): neither settled nor waiting.
    if (!a || !b) continue;
    if (a.size === b.size && a.mtimeMs === b.mtimeMs) settled.push({ name, path: join(folder, name), ...b });
    else waiting.push(name);
  }
  return { settled, waiting };
}

/**
 * The whole file in one read, or null when it is not the file that settled or it changed while
 * being read: a writer that paused longer than the settle delay is not done, and its file waits.
 */
export async function readWhole(file: SettledFile): Promise<Buffer | null> {
  const handle = await open(file.path, 'r');
  try {
    const before = await handle.stat();
    if (before.size !== file.size || before.mtimeMs !== file.mtimeMs) return null;
    const content = await handle.readFile();
    const after = await handle.stat();
    const unchanged = content.length === before.size && after.size === before.size && after.mtimeMs === before.mtimeMs;
    return unchanged ? content : null;
  } finally {
    await handle.close();
  }
}

export const sha256Of = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** SHA-256 of a file too large to hold in memory. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function statAll(folder: string, names: string[]): Promise<Map<string, { size: number; mtimeMs: number }>> {
  const stats = new Map<string, { size: number; mtimeMs: number }>();
  for (const name of names) {
    try {
      const s = await stat(join(folder, name));
      if (s.isFile()) stats.set(name, { size: s.size, mtimeMs: s.mtimeMs });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return stats;
}
