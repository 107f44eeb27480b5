// Part of each package's `build`: copies the hand-written JavaScript modules of src/ (worker
// entry points such as wasm-decode.mjs, with their .d.mts) into dist/, which tsc does not emit.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ASSET = /\.(mjs|cjs|d\.mts|d\.cts)$/;
const SKIP = /(^|\/)testing\/|\.test\./;

function copy(src, dist) {
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dist, entry.name);
    if (entry.isDirectory()) copy(from, to);
    else if (ASSET.test(entry.name) && !SKIP.test(from)) {
      fs.mkdirSync(dist, { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}

copy(path.resolve('src'), path.resolve('dist'));
