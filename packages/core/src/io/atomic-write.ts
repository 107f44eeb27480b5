import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { attachPath } from './storage-error.js';

/** Bytes or text accepted by the atomic writers; text is written as UTF-8. */
export type FileData = Uint8Array | string;

/**
 * A unique sibling name for `target`. Same directory so the final `rename` never crosses a
 * filesystem (cross-device renames are copies, not atomic). Starts with '.' so directory
 * listings and globs (`*.safetensors`) skip half-written files.
 */
export function tempSiblingPath(target: string, tag = 'tmp'): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Writes `data` to `target` so that readers see either the old file or the complete new one,
 * never a partial write: write a unique temp file in the same directory, fsync it, rename it
 * over the target, then fsync the directory so the rename itself survives a crash.
 * On any failure the temp file is removed and the old target is untouched.
 *
 * `data` may be a function producing the bytes; it runs before anything touches the disk, so a
 * serializer that throws leaves no trace.
 *
 * @example
 * await writeFileAtomic('/runs/a/config.json', JSON.stringify(cfg));
 */
export async function writeFileAtomic(
  target: string,
  data: FileData | (() => FileData | Promise<FileData>),
): Promise<void> {
  const bytes = typeof data === 'function' ? await data() : data;
  const tmp = tempSiblingPath(target);
  let handle: fs.FileHandle | undefined;
  try {
    // 'wx' refuses to reuse an existing path, so two writers never share a temp file.
    handle = await fs.open(tmp, 'wx', 0o644);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw attachPath(err, target, tmp);
  }
  await syncDir(path.dirname(target));
}

/**
 * `JSON.stringify(value, null, 2)` plus a trailing newline, written with `writeFileAtomic`.
 * Throws (before touching the disk) if the value is not serializable.
 */
export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, () => {
    const text = JSON.stringify(value, null, 2);
    if (text === undefined) throw new Error(`writeJsonAtomic(${target}): value is not JSON-serializable`);
    return `${text}\n`;
  });
}

/**
 * Builds a whole directory atomically: `fill` writes into a fresh temp sibling directory, which
 * then replaces `target`. Use it for checkpoint directories whose files must match each other
 * (a config and its weights).
 *
 * If `target` exists it is first renamed aside, the new directory renamed in, and only then the
 * old one deleted; if the second rename fails, the old directory is moved back. POSIX has no
 * portable atomic directory exchange, so a crash exactly between the two renames leaves the old
 * contents in `.<name>.old-*` next to the target rather than losing them.
 *
 * Note: everything in an existing `target` is replaced, including files `fill` did not write.
 */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const parent = path.dirname(path.resolve(target));
  await fs.mkdir(parent, { recursive: true });
  const tmp = tempSiblingPath(target);
  await fs.mkdir(tmp).catch((err: unknown) => {
    throw attachPath(err, target, tmp);
  });
  try {
    await fill(tmp);
    await syncTree(tmp);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw attachPath(err, target, tmp);
  }
  const existing = await fs.lstat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw new Error(`writeDirAtomic: ${target} exists and is not a directory`);
  }
  if (!existing) {
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    await syncDir(parent);
    return;
  }
  const old = tempSiblingPath(target, 'old');
  await fs.rename(target, old);
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rename(old, target).catch(() => undefined);
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(parent);
  await fs.rm(old, { recursive: true, force: true });
}

/** fsync on a directory makes a rename durable on Linux; other platforms may refuse it. */
async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM on some platforms (Windows): durability is best effort there.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** fsyncs every regular file under `dir`, then the directories, so the later rename is durable. */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await syncTree(p);
    else if (entry.isFile()) {
      const h = await fs.open(p, 'r');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    }
  }
  await syncDir(dir);
}
