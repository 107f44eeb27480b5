/**
 * Builds the bytes of a one-node ONNX model (a `ModelProto`) by hand. Such a model is ~200 bytes,
 * so the few protobuf fields it needs are written here instead of depending on a protobuf library.
 * Field numbers are those of onnx/onnx.proto (IR version 8).
 */

/** A tensor input or output of the node: its name and rank; every dimension is symbolic. */
export interface OnnxValue {
  name: string;
  rank: number;
}

/** One node of a single-node float32 graph. */
export interface OnnxNodeSpec {
  opType: string;
  /** Operator domain, '' for the standard ONNX operators (opset 13). */
  domain: string;
  inputs: OnnxValue[];
  output: OnnxValue;
  /** Integer attributes, e.g. `transA`. */
  intAttrs: Record<string, number>;
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT
const IR_VERSION = 8;
const ONNX_OPSET = 13;
const CONTRIB_OPSET = 1;

function varint(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`onnx-model: bad varint ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function tag(field: number, wire: number): number[] {
  return varint(field * 8 + wire);
}

function int(field: number, value: number): number[] {
  return [...tag(field, WIRE_VARINT), ...varint(value)];
}

function bytes(field: number, body: number[]): number[] {
  return [...tag(field, WIRE_BYTES), ...varint(body.length), ...body];
}

function text(field: number, s: string): number[] {
  return bytes(field, [...new TextEncoder().encode(s)]);
}

/** ValueInfoProto: float32 tensor of the given rank, dimensions named `<name>_<i>`. */
function valueInfo(v: OnnxValue): number[] {
  const dims = Array.from({ length: v.rank }, (_, i) => bytes(1, text(2, `${v.name}_${i}`))).flat();
  const tensorType = [...int(1, FLOAT), ...bytes(2, dims)];
  return [...text(1, v.name), ...bytes(2, bytes(1, tensorType))];
}

function node(spec: OnnxNodeSpec): number[] {
  const attrs = Object.entries(spec.intAttrs).flatMap(([name, value]) =>
    bytes(5, [...text(1, name), ...int(3, value), ...int(20, ATTR_INT)]),
  );
  return [
    ...spec.inputs.flatMap((v) => text(1, v.name)),
    ...text(2, spec.output.name),
    ...text(3, spec.opType),
    ...text(4, spec.opType),
    ...attrs,
    ...(spec.domain === '' ? [] : text(7, spec.domain)),
  ];
}

/** The serialized `ModelProto` of a graph holding exactly `spec`. */
export function oneNodeModel(spec: OnnxNodeSpec): Uint8Array {
  const graph = [
    ...bytes(1, node(spec)),
    ...text(2, spec.opType),
    ...spec.inputs.flatMap((v) => bytes(11, valueInfo(v))),
    ...bytes(12, valueInfo(spec.output)),
  ];
  const opsets = [
    ...bytes(8, [...text(1, ''), ...int(2, ONNX_OPSET)]),
    ...(spec.domain === '' ? [] : bytes(8, [...text(1, spec.domain), ...int(2, CONTRIB_OPSET)])),
  ];
  return Uint8Array.from([...int(1, IR_VERSION), ...opsets, ...bytes(7, graph)]);
}
