import { unzipSync, zipSync } from 'fflate';
import { readBytesBounded } from './bounded-read.js';
import {
  checkLimit,
  DEFAULT_INPUT_LIMITS,
  type InputLimitsInput,
  resolveInputLimits,
} from './input-limits.js';
import { type NpyArray, parseNpy } from './npy.js';
import { centralDirectoryCrcs, crc32 } from './zip-crc.js';

/**
 * Limits on what an archive may inflate to (a subset of `InputLimits`): `maxInflatedBytes` for
 * the selected members in all, checked against the sizes the zip declares before anything is
 * inflated, then against what was actually inflated (a member must match its declared size and
 * CRC, so a lying header cannot slip through); `maxArchiveEntries` for the member count;
 * `maxArrayBytes` for each array's shape. A small archive of zeros can otherwise inflate to
 * gigabytes.
 */
export type NpzLimits = InputLimitsInput;

/** Default `NpzLimits.maxInflatedBytes`. */
export const DEFAULT_MAX_NPZ_INFLATED_BYTES = DEFAULT_INPUT_LIMITS.maxInflatedBytes;

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
  return parseNpz(await readBytes(path, resolveInputLimits(limits).maxFileBytes), path, only, limits);
}

/** `readNpz` on bytes; `name` is used in error messages. */
export function parseNpz(
  bytes: Uint8Array,
  name = '<npz>',
  only?: (array: string) => boolean,
  limits?: NpzLimits,
): Map<string, NpyArray> {
  const resolved = resolveInputLimits(limits);
  let total = 0;
  let entries = 0;
  const declared = new Map<string, number>();
  const files = unzip(bytes, name, (member, inflatedSize) => {
    entries += 1;
    checkLimit(resolved, 'maxArchiveEntries', entries, `${name}: the archive holds at least`);
    if (!member.endsWith('.npy') || !(only?.(member.slice(0, -4)) ?? true)) return false;
    total += inflatedSize;
    checkLimit(
      resolved,
      'maxInflatedBytes',
      total,
      `${name}: ${member} brings the declared inflated size to`,
    );
    declared.set(member, inflatedSize);
    return true;
  });
  const crcs = declared.size > 0 ? centralDirectoryCrcs(bytes) : undefined;
  const out = new Map<string, NpyArray>();
  for (const [member, data] of Object.entries(files)) {
    // fflate inflates into a buffer of the declared size: a member whose data inflates to more
    // (or less) than its header says shows up here as a length or CRC mismatch.
    const crc = crcs?.get(member);
    if (data.length !== declared.get(member) || (crc !== undefined && crc32(data) !== crc)) {
      throw new Error(
        `${name}: ${member} does not inflate to its declared size and CRC (${declared.get(member)} bytes): the archive is corrupt`,
      );
    }
    out.set(member.slice(0, -4), parseNpy(data, `${name}:${member}`, resolved));
  }
  return out;
}

/**
 * The array names in a `.npz` archive, without inflating any of them (for listing an archive's
 * contents before choosing what to read).
 */
export async function npzArrayNames(path: string, limits?: NpzLimits): Promise<string[]> {
  const resolved = resolveInputLimits(limits);
  const names: string[] = [];
  unzip(await readBytes(path, resolved.maxFileBytes), path, (member) => {
    checkLimit(resolved, 'maxArchiveEntries', names.length + 1, `${path}: the archive holds at least`);
    if (member.endsWith('.npy')) names.push(member.slice(0, -4));
    return false;
  });
  return names;
}

async function readBytes(path: string, maxFileBytes: number): Promise<Uint8Array> {
  const bytes = await readBytesBounded(path, { ...DEFAULT_INPUT_LIMITS, maxFileBytes });
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
