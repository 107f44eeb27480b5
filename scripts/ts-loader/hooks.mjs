// Module hooks of register.mjs (Node's loader thread): `.ts` modules load as the JavaScript of
// compile.mjs, `./x.js` written in a TypeScript file finds `./x.ts` (the repository's import
// style), and a module of core's sources is taken from the compiled copy of core the CLI runs
// (PEFTKIT_CORE_DIST), so that a test plugin importing core's files by path shares that one copy.
import * as fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledSource } from './compile.mjs';

let cacheDir;
let coreSrc;
let coreDist;
export async function initialize(data) {
  cacheDir = data.cacheDir;
  if (data.coreDist) {
    coreSrc = `${pathToFileURL(data.coreSrc).href}/`;
    coreDist = `${pathToFileURL(data.coreDist).href}/`;
  }
}

const TS = /\.[mc]?ts$/;

/** The compiled counterpart of a core source module, when the CLI runs compiled core. */
function inCoreDist(url) {
  if (!coreDist || !url.startsWith(coreSrc) || !TS.test(url)) return undefined;
  const compiled = coreDist + url.slice(coreSrc.length).replace(/ts$/, 'js');
  return fs.existsSync(new URL(compiled)) ? compiled : undefined;
}

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  let url;
  if (parent && TS.test(parent) && /^\.\.?\//.test(specifier) && /\.[mc]?js$/.test(specifier)) {
    const candidate = new URL(specifier.replace(/js$/, 'ts'), parent);
    if (fs.existsSync(candidate)) url = candidate.href;
  }
  const resolved = url ? { url, format: 'module' } : await next(specifier, context);
  const compiled = inCoreDist(resolved.url);
  if (compiled) return { url: compiled, format: 'module', shortCircuit: true };
  return { ...resolved, shortCircuit: true };
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !TS.test(url)) return next(url, context);
  const file = fileURLToPath(url);
  const source = compiledSource(cacheDir, file, fs.readFileSync(file, 'utf8'));
  return { format: 'module', source, shortCircuit: true };
}
