import * as fs from 'node:fs/promises';
import { unzipSync, zipSync } from 'fflate';
import { type NpyArray, parseNpy } from './npy.js';

/**
 * Reads a NumPy `.npz` archive (a zip of `.npy` files, stored or deflated) into arrays keyed by
 * name without the `.npy` suffix. Errors name the archive (and the member).
 *
 * @example
 * const arrays = await readNpz('pneumoniamnist.npz');
 * arrays.get('train_images')?.shape; // [4708, 28, 28]
 */
export async function readNpz(path: string): Promise<Map<string, NpyArray>> {
  const bytes = await fs.readFile(path).catch((err: Error) => {
    throw new Error(`cannot read ${path}: ${err.message}`, { cause: err });
  });
  return parseNpz(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** `readNpz` on bytes; `name` is used in error messages. */
export function parseNpz(bytes: Uint8Array, name = '<npz>'): Map<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    throw new Error(`${name}: not a valid .npz (zip) archive: ${(err as Error).message}`, { cause: err });
  }
  const out = new Map<string, NpyArray>();
  for (const [member, data] of Object.entries(files)) {
    if (!member.endsWith('.npy')) continue;
    out.set(member.slice(0, -4), parseNpy(data, `${name}:${member}`));
  }
  return out;
}

/** Builds `.npz` bytes (deflated) from `.npy` bytes by array name. */
export function encodeNpz(arrays: Readonly<Record<string, Uint8Array>>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = v;
  return zipSync(files, { level: 6 });
}
