// A TypeScript loader for the CLI processes the test suite spawns, in place of tsx: most of a
// spawned `peftkit` start under tsx is tsx itself (~2.6 s of CPU for `--help` vs ~1.7 s here),
// and the suite spawns the CLI dozens of times. The test run compiles the sources once into
// PEFTKIT_TS_CACHE (global-setup.ts); bin/peftkit.js imports this module instead of registering
// tsx when PEFTKIT_TS_LOADER names it. Anything not compiled yet is compiled on first load.
import { register } from 'node:module';

const cacheDir = process.env.PEFTKIT_TS_CACHE;
if (!cacheDir) throw new Error('PEFTKIT_TS_CACHE is not set: the cache directory of scripts/ts-loader');
// As under tsx: stack traces name the TypeScript lines.
process.setSourceMapsEnabled(true);
register('./hooks.mjs', import.meta.url, { data: { cacheDir } });
