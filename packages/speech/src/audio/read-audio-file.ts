import * as fs from 'node:fs/promises';
import { AudioError } from './audio-error.js';
import { formatBytes } from './limits.js';

/** `fs` errors as one-line `unreadable` messages (`no such file`, `is a directory`). */
export function unreadable(file: string, err: unknown): AudioError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory, not an audio file'
        : code === 'EACCES'
          ? 'permission denied'
          : (err as Error).message;
  return new AudioError(file, 'unreadable', `cannot read: ${why}`, { cause: err });
}

/** The size of a regular file, refusing directories and files over `maxBytes`. */
export async function statAudioFile(file: string, maxBytes: number): Promise<number> {
  const stat = await fs.stat(file).catch((err: unknown) => {
    throw unreadable(file, err);
  });
  if (!stat.isFile()) throw new AudioError(file, 'unreadable', 'cannot read: not a regular file');
  if (stat.size > maxBytes) {
    throw new AudioError(
      file,
      'too-large',
      `${formatBytes(stat.size)}, over the ${formatBytes(maxBytes)} limit (maxBytes)`,
    );
  }
  return stat.size;
}

/** Reads `length` bytes at `position` (fewer at the end of the file). */
export async function readRange(file: string, position: number, length: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r').catch((err: unknown) => {
    throw unreadable(file, err);
  });
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } catch (err) {
    throw unreadable(file, err);
  } finally {
    await handle.close();
  }
}

/** Reads a whole file (already checked against the size limit). */
export async function readWhole(file: string): Promise<Uint8Array> {
  const buf = await fs.readFile(file).catch((err: unknown) => {
    throw unreadable(file, err);
  });
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
