import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHITECTURES,
  createConformanceHost,
  failingChecks,
  knownFailingChecks,
  matrixMethods,
  runCell,
} from '../src/index.js';

/** The methods every suite file runs (the same host, so the same list). */
const METHODS_HOST = createConformanceHost();

/**
 * Registers one `it` per cell of the given architectures: the cell's failing checks must be
 * exactly its known failures (none for most), and a not-applicable cell must say why.
 */
export async function defineMatrixSuite(ids: readonly string[]): Promise<void> {
  const host: PeftkitHost = await METHODS_HOST;
  const methods = matrixMethods(host);
  let tmp = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-conformance-'));
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });
  for (const id of ids) {
    const arch = ARCHITECTURES.find((a) => a.id === id);
    if (!arch) throw new Error(`no architecture case '${id}'`);
    describe(id, () => {
      for (const method of methods) {
        it(method, async () => {
          const result = await runCell(arch, method, host, tmp);
          const notes =
            result.status === 'ran'
              ? Object.entries(result.checks)
                  .filter(([, c]) => c.kind === 'fail')
                  .map(([k, c]) => `${k}: ${'note' in c ? c.note : ''}`)
              : [result.reason];
          expect(failingChecks(result), notes.join('\n')).toEqual(knownFailingChecks(id, method));
          if (result.status === 'n/a') expect(result.reason.length).toBeGreaterThan(0);
        });
      }
    });
  }
}
