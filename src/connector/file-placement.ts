import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, lstat, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Errors of file systems without hard links (some network and FUSE mounts): fall back to check-then-rename. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);
const MAX_SUFFIX = 10_000;
/** Bytes in one file name on the common file systems (ext4, XFS, btrfs, APFS, NTFS in UTF-16 units). */
const NAME_MAX = 255;

/**
 * `dir` as a real directory, made when missing. False when something else has the name: a link
 * there would move dropped files, or write reports, wherever it points.
 */
export async function ensureRealDirectory(dir: string): Promise<boolean> {
  await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return (await lstat(dir)).isDirectory();
}

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
  // Named apart from `name`: a long file name plus a suffix would pass the file system's limit.
  const temp = join(dir, `.hash-report-${randomBytes(6).toString('hex')}.tmp`);
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

/** `name`, then `stem-1.ext`, `stem-2.ext`…, each shortened to fit in NAME_MAX bytes. */
function* candidateNames(name: string): Generator<string> {
  const { stem, ext } = splitName(name);
  yield fitName(stem, '', ext);
  for (let n = 1; n <= MAX_SUFFIX; n++) yield fitName(stem, `-${n}`, ext);
}

/**
 * The extensions are everything from the first dot (`incident.txt.error.json` keeps
 * `.txt.error.json`), unless that is long itself; then only the last one is.
 */
function splitName(name: string): { stem: string; ext: string } {
  const dot = name.indexOf('.', 1);
  const ext = dot > 0 && Buffer.byteLength(name.slice(dot)) <= 64 ? name.slice(dot) : extname(name);
  return { stem: name.slice(0, name.length - ext.length), ext };
}

/** stem + suffix + ext, with the stem cut (by characters, marked `~`) until it fits in NAME_MAX bytes. */
function fitName(stem: string, suffix: string, ext: string): string {
  if (Buffer.byteLength(stem + suffix + ext) <= NAME_MAX) return stem + suffix + ext;
  const chars = [...stem];
  while (chars.length > 0 && Buffer.byteLength(`${chars.join('')}~${suffix}${ext}`) > NAME_MAX) chars.pop();
  return `${chars.join('')}~${suffix}${ext}`;
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
