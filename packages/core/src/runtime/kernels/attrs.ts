/**
 * Typed readers for kernel inputs and attributes. tfjs hands kernels loosely typed maps; these
 * narrow them once, with an error that names the kernel, instead of casting at every use.
 */
import type { backend_util, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil';

/** A required tensor input. */
export function input(
  inputs: Record<string, TensorInfo | undefined>,
  name: string,
  kernel: string,
): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`${kernel}: missing input '${name}'`);
  return t;
}

function attr(attrs: NamedAttrMap | undefined, name: string): unknown {
  return attrs === undefined ? undefined : attrs[name];
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/** A number attribute. */
export function numberAttr(attrs: NamedAttrMap | undefined, name: string, kernel: string): number {
  const v = attr(attrs, name);
  if (typeof v !== 'number') throw new Error(`${kernel}: attribute '${name}' must be a number`);
  return v;
}

/** A boolean attribute, `fallback` when absent. */
export function boolAttr(attrs: NamedAttrMap | undefined, name: string, fallback: boolean): boolean {
  const v = attr(attrs, name);
  return typeof v === 'boolean' ? v : fallback;
}

/** A shape-like number list. */
export function numberListAttr(attrs: NamedAttrMap | undefined, name: string, kernel: string): number[] {
  const v = attr(attrs, name);
  if (!isNumberArray(v)) throw new Error(`${kernel}: attribute '${name}' must be a list of numbers`);
  return v;
}

/** Strides, dilations or filter sizes given as one number or a pair. */
export function pairAttr(
  attrs: NamedAttrMap | undefined,
  name: string,
  kernel: string,
  fallback?: number,
): number | [number, number] {
  const v = attr(attrs, name);
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${kernel}: missing attribute '${name}'`);
  }
  if (typeof v === 'number') return v;
  if (isNumberArray(v) && v.length === 2) return [v[0] as number, v[1] as number];
  throw new Error(`${kernel}: attribute '${name}' must be a number or a pair`);
}

/** Same as `pairAttr` for 3-D ops. */
export function tripleAttr(
  attrs: NamedAttrMap | undefined,
  name: string,
  kernel: string,
  fallback?: number,
): number | [number, number, number] {
  const v = attr(attrs, name);
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${kernel}: missing attribute '${name}'`);
  }
  if (typeof v === 'number') return v;
  if (isNumberArray(v) && v.length === 3) return [v[0] as number, v[1] as number, v[2] as number];
  throw new Error(`${kernel}: attribute '${name}' must be a number or a triple`);
}

function isExplicitPadding(v: unknown): v is backend_util.ExplicitPadding {
  return Array.isArray(v) && v.length === 4 && v.every((p) => isNumberArray(p) && p.length === 2);
}

/** The `pad` attribute: 'same', 'valid', a number, or explicit [[0,0],[t,b],[l,r],[0,0]] padding. */
export function padAttr(attrs: NamedAttrMap | undefined, kernel: string): Pad {
  const v = attr(attrs, 'pad');
  if (v === 'same' || v === 'valid' || typeof v === 'number' || isExplicitPadding(v)) return v;
  throw new Error(`${kernel}: unsupported pad attribute ${JSON.stringify(v)}`);
}

/** The pad attribute of 3-D ops, which tfjs limits to 'same', 'valid' or a number. */
export function pad3dAttr(attrs: NamedAttrMap | undefined, kernel: string): 'same' | 'valid' | number {
  const v = attr(attrs, 'pad');
  if (v === 'same' || v === 'valid' || typeof v === 'number') return v;
  throw new Error(`${kernel}: unsupported pad attribute ${JSON.stringify(v)}`);
}

/** The optional `dimRoundingMode` attribute. */
export function roundingAttr(attrs: NamedAttrMap | undefined): Rounding | undefined {
  const v = attr(attrs, 'dimRoundingMode');
  return v === 'floor' || v === 'round' || v === 'ceil' ? v : undefined;
}

/** The conv `dataFormat` attribute; 'NHWC' when absent. */
export function dataFormatAttr(attrs: NamedAttrMap | undefined, kernel: string): 'NHWC' | 'NCHW' {
  const v = attr(attrs, 'dataFormat');
  if (v === undefined || v === null) return 'NHWC';
  if (v === 'NHWC' || v === 'NCHW') return v;
  throw new Error(`${kernel}: unsupported dataFormat ${JSON.stringify(v)}`);
}

/** Narrows a shape to rank 4. */
export function rank4(
  shape: readonly number[],
  what: string,
  kernel: string,
): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`${kernel}: ${what} must be rank 4, got shape [${shape}]`);
  return [shape[0] as number, shape[1] as number, shape[2] as number, shape[3] as number];
}

/** Narrows a shape to rank 5. */
export function rank5(
  shape: readonly number[],
  what: string,
  kernel: string,
): [number, number, number, number, number] {
  if (shape.length !== 5) throw new Error(`${kernel}: ${what} must be rank 5, got shape [${shape}]`);
  return [shape[0] as number, shape[1] as number, shape[2] as number, shape[3] as number, shape[4] as number];
}
