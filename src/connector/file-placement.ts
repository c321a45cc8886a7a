import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, rename, stat, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Errors of file systems without hard links (some network and FUSE mounts): fall back to check-then-rename. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);
const MAX_SUFFIX = 10_000;

/**
 * Moves `source` into `dir` as `name`, or as `stem-1.ext`, `stem-2.ext`… when the name is taken: an
 * existing file is never replaced. Returns the name used. A hard link claims a name atomically (it
 * fails on an existing name, where rename would silently replace it).
 */
export async function moveWithoutOverwrite(source: string, dir: string, name: string): Promise<string> {
  for (const candidate of candidateNames(name)) {
    if (await claim(source, join(dir, candidate))) return candidate;
  }
  throw new Error(`no free name for ${name} in ${dir}`);
}

/**
 * Writes a file through a hidden temp file in `dir`, synced, then moved to `name` (see
 * moveWithoutOverwrite): a reader of the folder sees the whole file or none of it.
 */
export async function writeFileAtomically(dir: string, name: string, write: (out: Writable) => Promise<void>): Promise<string> {
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // flush: fsync before close, so the name never points at data a power cut could lose.
    const out = createWriteStream(temp, { flags: 'wx', flush: true });
    const done = finished(out);
    // A write error rejects `done` while `write` is still running; it is awaited below.
    done.catch(() => undefined);
    await write(out);
    out.end();
    await done;
    return await moveWithoutOverwrite(temp, dir, name);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function* candidateNames(name: string): Generator<string> {
  yield name;
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; n <= MAX_SUFFIX; n++) yield `${stem}-${n}${ext}`;
}

/** True when `source` now lives at `target`; false when `target` was taken. */
async function claim(source: string, target: string): Promise<boolean> {
  try {
    await link(source, target);
    await unlink(source);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw err;
  }
  if (await exists(target)) return false;
  await rename(source, target);
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
