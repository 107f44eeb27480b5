// A TypeScript loader for the CLI processes the test suite spawns, in place of tsx: most of a
// spawned `peftkit` start under tsx is tsx itself. The test run (global-setup.ts) compiles the
// sources once: plugins' modules into PEFTKIT_TS_CACHE, core as a built package under
// PEFTKIT_CORE_DIST, which bin/peftkit.js then runs as plain JavaScript. bin/peftkit.js (and core
// when it loads a TypeScript plugin) imports this module instead of registering tsx when
// PEFTKIT_TS_LOADER names it. A module not compiled yet is compiled on first load.
import { register } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const cacheDir = process.env.PEFTKIT_TS_CACHE;
if (!cacheDir) throw new Error('PEFTKIT_TS_CACHE is not set: the cache directory of scripts/ts-loader');
const coreSrc = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'packages', 'core', 'src');
// As under tsx: stack traces name the TypeScript lines.
process.setSourceMapsEnabled(true);
register('./hooks.mjs', import.meta.url, {
  data: { cacheDir, coreSrc, coreDist: process.env.PEFTKIT_CORE_DIST },
});
