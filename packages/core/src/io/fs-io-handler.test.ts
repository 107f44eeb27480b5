import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fileSystemHandler } from './fs-io-handler.js';

function smallModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [4], units: 6, activation: 'relu', name: 'hidden' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }));
  return model;
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-tfjs-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('fileSystemHandler', () => {
  it('saves and loads a LayersModel that predicts the same', async () => {
    const model = smallModel();
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const target = path.join(dir, 'm');
    const result = await model.save(fileSystemHandler(target));
    expect(result.modelArtifactsInfo.modelTopologyType).toBe('JSON');
    expect((await fs.readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await fs.readFile(path.join(target, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual([
      'hidden/kernel',
      'hidden/bias',
      'out/kernel',
      'out/bias',
    ]);

    const loaded = await tf.loadLayersModel(fileSystemHandler(path.join(target, 'model.json')));
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(b.dataSync()).toEqual(a.dataSync());
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('writes and reads group shards', async () => {
    const model = smallModel();
    await model.save(fileSystemHandler(dir, { shardSizeBytes: 40 }));
    const files = (await fs.readdir(dir)).sort();
    // (4*6 + 6 + 6*3 + 3) floats = 204 bytes -> 6 shards of <= 40 bytes.
    expect(files).toEqual([
      'group1-shard1of6.bin',
      'group1-shard2of6.bin',
      'group1-shard3of6.bin',
      'group1-shard4of6.bin',
      'group1-shard5of6.bin',
      'group1-shard6of6.bin',
      'model.json',
    ]);
    const loaded = await tf.loadLayersModel(fileSystemHandler(dir));
    const same = model.getWeights().every((w, i) => {
      const v = loaded.getWeights()[i]!;
      return tf.util.arraysEqual(w.dataSync(), v.dataSync());
    });
    expect(same).toBe(true);

    await fs.rm(path.join(dir, 'group1-shard3of6.bin'));
    await expect(tf.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(
      /model\.json: weight file 'group1-shard3of6\.bin' is missing/,
    );
    model.dispose();
    loaded.dispose();
  });

  it('names model.json when it is missing, not JSON, or inconsistent with its weights', async () => {
    await expect(tf.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(
      /model\.json: cannot read: file not found/,
    );
    await fs.writeFile(path.join(dir, 'model.json'), '{oops');
    await expect(tf.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(/model\.json: invalid JSON/);

    const model = smallModel();
    await model.save(fileSystemHandler(dir));
    await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(10));
    await expect(tf.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(
      /weight files hold 10 bytes but the manifest describes 204/,
    );
    model.dispose();
  });
});
