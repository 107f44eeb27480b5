import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { readJsonObject } from './read-json.js';

export interface FileSystemHandlerOptions {
  /**
   * Split the weights into shards of at most this many bytes, named `group1-shard<i>of<n>.bin`
   * like the tfjs converter does. Default: one `weights.bin`.
   */
  shardSizeBytes?: number;
}

/**
 * A tfjs `IOHandler` for the local filesystem that needs no `tfjs-node` (which cannot be
 * installed everywhere). `modelPath` is a `model.json` path, or a directory holding one.
 * Saving writes the weight files and then `model.json`, each atomically, so `model.json` is the
 * commit point: it only ever lists complete weight files.
 *
 * @example
 * await model.save(fileSystemHandler('out/my-model'));
 * const again = await tf.loadLayersModel(fileSystemHandler('out/my-model/model.json'));
 */
export function fileSystemHandler(
  modelPath: string,
  options: FileSystemHandlerOptions = {},
): tf.io.IOHandler {
  const jsonPath = modelJsonPath(modelPath);
  const dir = path.dirname(jsonPath);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(`fileSystemHandler(${jsonPath}): binary (GraphDef) topologies are not supported`);
      }
      const data = new Uint8Array(joinWeightData(artifacts.weightData));
      const shards = splitShards(data, options.shardSizeBytes);
      await fs.mkdir(dir, { recursive: true });
      for (const shard of shards) await writeFileAtomic(path.join(dir, shard.name), shard.bytes);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: shards.map((s) => s.name), weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer) modelJson.modelInitializer = artifacts.modelInitializer;
      if (artifacts.initializerSignature) modelJson.initializerSignature = artifacts.initializerSignature;
      await writeJsonAtomic(jsonPath, modelJson);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const json = await readJsonObject(jsonPath, 'tfjs model.json');
      if (!('modelTopology' in json)) throw new Error(`tfjs model.json ${jsonPath}: missing 'modelTopology'`);
      const manifest = json['weightsManifest'] ?? [];
      if (!Array.isArray(manifest))
        throw new Error(`tfjs model.json ${jsonPath}: 'weightsManifest' must be an array`);
      return tf.io.getModelArtifactsForJSON(json as unknown as tf.io.ModelJSON, (groups) =>
        readWeightGroups(jsonPath, dir, groups),
      );
    },
  };
}

/** `x/model.json` stays as is; anything not ending in `.json` is a directory holding `model.json`. */
function modelJsonPath(p: string): string {
  const local = p.startsWith('file://') ? p.slice('file://'.length) : p;
  return local.endsWith('.json') ? local : path.join(local, 'model.json');
}

async function readWeightGroups(
  jsonPath: string,
  dir: string,
  groups: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const [g, group] of groups.entries()) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(
        `tfjs model.json ${jsonPath}: weightsManifest[${g}] needs 'paths' and 'weights' arrays`,
      );
    }
    specs.push(...group.weights);
    for (const rel of group.paths) {
      const file = path.resolve(dir, rel);
      if (path.isAbsolute(rel) || path.relative(path.resolve(dir), file).startsWith('..')) {
        throw new Error(`tfjs model.json ${jsonPath}: weight file '${rel}' lies outside ${dir}`);
      }
      try {
        buffers.push(await fs.readFile(file));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new Error(
          `tfjs model.json ${jsonPath}: weight file '${rel}' ${code === 'ENOENT' ? 'is missing' : `cannot be read (${(err as Error).message})`}`,
          { cause: err },
        );
      }
    }
  }
  const expected = specs.reduce((n, s) => n + specBytes(s), 0);
  const total = buffers.reduce((n, b) => n + b.length, 0);
  if (expected >= 0 && total !== expected) {
    throw new Error(
      `tfjs model.json ${jsonPath}: weight files hold ${total} bytes but the manifest describes ${expected}`,
    );
  }
  // tfjs wants one ArrayBuffer that is exactly the weights (fs buffers may be pooled slices).
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    out.set(b, at);
    at += b.length;
  }
  return [specs, out.buffer];
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  float16: 2,
  uint16: 2,
};

/** Byte size of one weight spec, or -Infinity when it cannot be known (e.g. string weights). */
function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = DTYPE_BYTES[dtype];
  return size === undefined ? Number.NEGATIVE_INFINITY : count * size;
}

function joinWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return tf.io.CompositeArrayBuffer.join(data);
}

function splitShards(data: Uint8Array, shardSize: number | undefined): { name: string; bytes: Uint8Array }[] {
  if (shardSize === undefined) return [{ name: 'weights.bin', bytes: data }];
  if (!Number.isInteger(shardSize) || shardSize <= 0) {
    throw new Error(`fileSystemHandler: shardSizeBytes must be a positive integer, got ${shardSize}`);
  }
  const n = Math.max(1, Math.ceil(data.length / shardSize));
  return Array.from({ length: n }, (_, i) => ({
    name: `group1-shard${i + 1}of${n}.bin`,
    bytes: data.subarray(i * shardSize, (i + 1) * shardSize),
  }));
}
