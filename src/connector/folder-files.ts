import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A file seen twice with the same size and mtime, `settleMs` apart. Its device and inode pin it: a
 * name swapped for a link to something else between the look and the read is not read.
 */
export interface SettledFile {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
}

type Seen = Omit<SettledFile, 'name' | 'path'>;

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
    if (a.size === b.size && a.mtimeMs === b.mtimeMs && a.dev === b.dev && a.ino === b.ino) settled.push({ name, path: join(folder, name), ...b });
    else waiting.push(name);
  }
  return { settled, waiting };
}

/**
 * The whole file in one read, or null when it is not the file that settled or it changed while
 * being read: a writer that paused longer than the settle delay is not done, and its file waits.
 */
export async function readWhole(file: SettledFile): Promise<Buffer | null> {
  const handle = await openSettled(file);
  if (!handle) return null;
  try {
    const before = await handle.stat();
    const content = await handle.readFile();
    const after = await handle.stat();
    const unchanged = content.length === before.size && after.size === before.size && after.mtimeMs === before.mtimeMs;
    return unchanged ? content : null;
  } finally {
    await handle.close();
  }
}

export const sha256Of = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** SHA-256 of a file too large to hold in memory; null when it is no longer the file that settled. */
export async function sha256OfFile(file: SettledFile): Promise<string | null> {
  const handle = await openSettled(file);
  if (!handle) return null;
  try {
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/**
 * Opens the file that settled, never a link (O_NOFOLLOW), and checks what was opened (fstat) is
 * that very file, unchanged: a regular file with the device, inode, size and mtime seen before.
 * Anything else (swapped for a symlink, replaced, gone) is null: the file is not read.
 */
async function openSettled(file: SettledFile): Promise<FileHandle | null> {
  let handle: FileHandle;
  try {
    handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (['ELOOP', 'ENOENT', 'ENXIO'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
  const s = await handle.stat();
  if (s.isFile() && s.dev === file.dev && s.ino === file.ino && s.size === file.size && s.mtimeMs === file.mtimeMs) return handle;
  await handle.close();
  return null;
}

/** What each name is now, without following links: only regular files count. */
async function statAll(folder: string, names: string[]): Promise<Map<string, Seen>> {
  const stats = new Map<string, Seen>();
  for (const name of names) {
    try {
      const s = await lstat(join(folder, name));
      if (s.isFile()) stats.set(name, { size: s.size, mtimeMs: s.mtimeMs, dev: s.dev, ino: s.ino });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return stats;
}
