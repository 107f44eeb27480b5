// `pnpm build` of one publishable package (run in its directory): a clean dist/ from
// `tsc -p tsconfig.build.json`, plus the hand-written JavaScript modules of src/ (worker entry
// points such as wasm-decode.mjs, with their .d.mts), which tsc does not emit.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const ASSET = /\.(mjs|cjs|d\.mts|d\.cts)$/;
const SKIP = /(^|\/)testing\/|\.test\./;

function copyAssets(src, dist) {
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dist, entry.name);
    if (entry.isDirectory()) copyAssets(from, to);
    else if (ASSET.test(entry.name) && !SKIP.test(from)) {
      fs.mkdirSync(dist, { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}

const dist = path.resolve('dist');
fs.rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
copyAssets(path.resolve('src'), dist);
