// Module hooks of register.mjs (Node's loader thread): `.ts` modules load as the JavaScript of
// compile.mjs, and `./x.js` written in a TypeScript file finds `./x.ts` (the repository's import style).
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compiledSource } from './compile.mjs';

let cacheDir;
export async function initialize(data) {
  cacheDir = data.cacheDir;
}

const TS = /\.[mc]?ts$/;

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && TS.test(parent) && /^\.\.?\//.test(specifier) && /\.[mc]?js$/.test(specifier)) {
    const url = new URL(specifier.replace(/js$/, 'ts'), parent);
    if (fs.existsSync(url)) return { url: url.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !TS.test(url)) return next(url, context);
  const file = fileURLToPath(url);
  const source = compiledSource(cacheDir, file, fs.readFileSync(file, 'utf8'));
  return { format: 'module', source, shortCircuit: true };
}
