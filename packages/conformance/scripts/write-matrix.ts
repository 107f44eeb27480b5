/**
 * Runs the whole conformance matrix and writes docs/conformance.md (the only place the matrix is
 * written; the tests never write files). Run from the repository root:
 * `npx --yes pnpm@9.15.9 --filter @peftkit/conformance write-matrix`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import {
  ARCHITECTURES,
  type CellResult,
  countCells,
  createConformanceHost,
  matrixMarkdown,
  matrixMethods,
  runCell,
} from '../src/index.js';

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const host = await createConformanceHost();
  const methods = matrixMethods(host);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-conformance-'));
  const results = new Map<string, Map<string, CellResult>>();
  try {
    for (const arch of ARCHITECTURES) {
      const row = new Map<string, CellResult>();
      for (const m of methods) row.set(m, await runCell(arch, m, host, tmp));
      results.set(arch.id, row);
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/conformance.md');
  await writeFileAtomic(out, matrixMarkdown(ARCHITECTURES, methods, results));
  // The repo's formatter aligns the tables, so a regenerated file passes `pnpm lint` as written.
  execFileSync('npx', ['biome', 'format', '--write', out], { cwd: path.dirname(out), stdio: 'inherit' });
  console.log(`wrote ${out}: ${JSON.stringify(countCells(results))}`);
}

await main();
