import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll } from 'vitest';
import { readSafetensorsHeader } from '../../io/index.js';

/**
 * Registers the hooks of a PEFT test file: the cpu backend, and a fresh temporary directory
 * (`peftkit-<name>-*`) removed after the file's tests. Returns `tmp(...parts)`, a path inside it.
 */
export function useCpuAndTmpDir(name: string): (...parts: string[]) => string {
  let root: string | undefined;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = await fs.mkdtemp(path.join(os.tmpdir(), `peftkit-${name}-`));
  });
  afterAll(async () => {
    if (root !== undefined) await fs.rm(root, { recursive: true, force: true });
  });
  return (...parts) => {
    if (root === undefined) throw new Error('the temporary directory exists only while the tests run');
    return path.join(root, ...parts);
  };
}

/** Tensor names and shapes of `<dir>/adapter_model.safetensors`. */
export async function readAdapterShapes(dir: string): Promise<Record<string, number[]>> {
  const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
  return Object.fromEntries(header.entries.map((e) => [e.name, e.shape]));
}

/** Tensor names of `<dir>/adapter_model.safetensors`, in file order. */
export async function readAdapterKeys(dir: string): Promise<string[]> {
  const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
  return header.entries.map((e) => e.name);
}

/** The path of `<dir>/adapter_config.json`. */
export function adapterConfigPath(dir: string): string {
  return path.join(dir, 'adapter_config.json');
}

/** The parsed `<dir>/adapter_config.json`. */
export async function readAdapterConfig(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(adapterConfigPath(dir), 'utf8')) as Record<string, unknown>;
}
