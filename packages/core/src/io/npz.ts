import * as fs from 'node:fs/promises';
import { unzipSync, zipSync } from 'fflate';
import { type NpyArray, parseNpy } from './npy.js';

/** Limits on what an archive may inflate to. */
export interface NpzLimits {
  /**
   * Most bytes the selected members may inflate to in all, checked against the sizes the zip
   * declares before anything is inflated (default 2 GiB): a small archive of zeros can otherwise
   * inflate to gigabytes.
   */
  readonly maxInflatedBytes?: number;
}

/** Default `NpzLimits.maxInflatedBytes`. */
export const DEFAULT_MAX_NPZ_INFLATED_BYTES = 2 * 1024 ** 3;

/**
 * Reads a NumPy `.npz` archive (a zip of `.npy` files, stored or deflated) into arrays keyed by
 * name without the `.npy` suffix; with `only`, just the arrays it accepts are inflated and
 * parsed. Errors name the archive (and the member).
 *
 * @example
 * const arrays = await readNpz('pneumoniamnist.npz');
 * arrays.get('train_images')?.shape; // [4708, 28, 28]
 */
export async function readNpz(
  path: string,
  only?: (array: string) => boolean,
  limits?: NpzLimits,
): Promise<Map<string, NpyArray>> {
  return parseNpz(await readBytes(path), path, only, limits);
}

/** `readNpz` on bytes; `name` is used in error messages. */
export function parseNpz(
  bytes: Uint8Array,
  name = '<npz>',
  only?: (array: string) => boolean,
  limits?: NpzLimits,
): Map<string, NpyArray> {
  const max = limits?.maxInflatedBytes ?? DEFAULT_MAX_NPZ_INFLATED_BYTES;
  let total = 0;
  const files = unzip(bytes, name, (member, inflatedSize) => {
    if (!member.endsWith('.npy') || !(only?.(member.slice(0, -4)) ?? true)) return false;
    total += inflatedSize;
    if (total > max) {
      throw new Error(
        `${name}: ${member} inflates to ${inflatedSize} bytes, over the limit of ${max} bytes for this archive`,
      );
    }
    return true;
  });
  const out = new Map<string, NpyArray>();
  for (const [member, data] of Object.entries(files)) {
    out.set(member.slice(0, -4), parseNpy(data, `${name}:${member}`));
  }
  return out;
}

/**
 * The array names in a `.npz` archive, without inflating any of them (for listing an archive's
 * contents before choosing what to read).
 */
export async function npzArrayNames(path: string): Promise<string[]> {
  const names: string[] = [];
  unzip(await readBytes(path), path, (member) => {
    if (member.endsWith('.npy')) names.push(member.slice(0, -4));
    return false;
  });
  return names;
}

async function readBytes(path: string): Promise<Uint8Array> {
  const bytes = await fs.readFile(path).catch((err: Error) => {
    throw new Error(`cannot read ${path}: ${err.message}`, { cause: err });
  });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Unzips the members `keep` accepts; a broken archive is reported under `name`. */
function unzip(
  bytes: Uint8Array,
  name: string,
  keep: (member: string, inflatedSize: number) => boolean,
): Record<string, Uint8Array> {
  let refused: Error | undefined;
  try {
    return unzipSync(bytes, {
      filter: (file) => {
        try {
          return keep(file.name, file.originalSize);
        } catch (err) {
          refused = err as Error;
          throw err;
        }
      },
    });
  } catch (err) {
    if (refused) throw refused;
    throw new Error(`${name}: not a valid .npz (zip) archive: ${(err as Error).message}`, { cause: err });
  }
}

/** Builds `.npz` bytes (deflated) from `.npy` bytes by array name. */
export function encodeNpz(arrays: Readonly<Record<string, Uint8Array>>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = v;
  return zipSync(files, { level: 6 });
}
