/**
 * Loads onnxruntime-node's native binding, the one part of the package peftkit uses. The binding
 * (`dist/binding.js`) is not public API, which is why @peftkit/core pins onnxruntime-node to an
 * exact version and feature-tests it before use. Its `InferenceSession.run` is synchronous and takes
 * `Float32Array` views for the inputs and a pre-allocated output, which it writes in place.
 */
import { createRequire } from 'node:module';

/** The tensor shape the binding reads from feeds and fetches. */
export interface OrtTensorLike {
  location: 'cpu';
  type: 'float32';
  dims: number[];
  data: Float32Array;
}

/** Session options the binding understands (a subset of onnxruntime's `SessionOptions`). */
export interface OrtSessionOptions {
  intraOpNumThreads: number;
  interOpNumThreads: number;
  executionMode: 'sequential';
  graphOptimizationLevel: 'disabled' | 'basic' | 'all';
  logSeverityLevel: number;
  extra: Record<string, unknown>;
}

/** A native session: `loadModel` once, then `run` synchronously. */
export interface OrtNativeSession {
  loadModel(
    buffer: ArrayBufferLike,
    byteOffset: number,
    byteLength: number,
    options: OrtSessionOptions,
  ): void;
  run(
    feeds: Record<string, OrtTensorLike>,
    fetches: Record<string, OrtTensorLike>,
    options: Record<string, unknown>,
  ): unknown;
  dispose(): void;
}

/** What was loaded: a session factory and the package version. */
export interface OrtBinding {
  version: string;
  createSession(): OrtNativeSession;
}

/** The exact onnxruntime-node version the binding calls were written and tested against. */
export const ORT_NODE_VERSION = '1.30.0';

interface BindingModule {
  binding: { InferenceSession: new () => OrtNativeSession };
  initOrt: () => void;
}

function isBindingModule(v: unknown): v is BindingModule {
  if (typeof v !== 'object' || v === null) return false;
  const binding: unknown = Reflect.get(v, 'binding');
  return (
    typeof Reflect.get(v, 'initOrt') === 'function' &&
    typeof binding === 'object' &&
    binding !== null &&
    typeof Reflect.get(binding, 'InferenceSession') === 'function'
  );
}

function isVersioned(v: unknown): v is { version: string } {
  return typeof v === 'object' && v !== null && typeof Reflect.get(v, 'version') === 'string';
}

/**
 * Loads the binding, or throws an Error whose message says why (not installed, another version,
 * no binary for this platform). The require is resolved from @peftkit/core, which declares
 * onnxruntime-node as an optional dependency; onnxruntime-node resolves its own dependencies.
 */
export function loadOrtBinding(): OrtBinding {
  const require = createRequire(import.meta.url);
  let pkgPath: string;
  try {
    pkgPath = require.resolve('onnxruntime-node/package.json');
  } catch {
    throw new Error('onnxruntime-node is not installed');
  }
  const pkg: unknown = require(pkgPath);
  const version = isVersioned(pkg) ? pkg.version : 'unknown';
  if (version !== ORT_NODE_VERSION) {
    throw new Error(`onnxruntime-node ${version} is installed; peftkit needs exactly ${ORT_NODE_VERSION}`);
  }
  const mod: unknown = require('onnxruntime-node/dist/binding.js');
  if (!isBindingModule(mod)) throw new Error('onnxruntime-node/dist/binding.js has an unexpected shape');
  mod.initOrt();
  const Session = mod.binding.InferenceSession;
  return { version, createSession: () => new Session() };
}
