import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { arrayDataset, Rng } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageExample } from '../data/image-example.js';
import { type EncodedImage, ImagePreprocessor, imagePreprocessorOptions } from './image-preprocessor.js';

let dir: string;
const files: string[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-imgpre-'));
  for (let i = 0; i < 6; i++) {
    const px = Uint8Array.from({ length: 8 * 8 }, (_, k) => (k * 7 + i * 30) % 256);
    const f = path.join(dir, `${i}.png`);
    await sharp(px, { raw: { width: 8, height: 8, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(f);
    files.push(f);
  }
  await fs.writeFile(path.join(dir, 'bad.png'), 'corrupt');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const make = (o: Record<string, unknown>, log: (l: string) => void = () => {}) =>
  new ImagePreprocessor(imagePreprocessorOptions.parse(o), log);

describe('ImagePreprocessor', () => {
  let examples: ImageExample[] = [];
  beforeAll(() => {
    examples = files.map((f, i) => ({
      source: { kind: 'file', path: f },
      label: i % 3 === 0 ? 1 : 0,
    }));
  });

  it('augments reproducibly whatever order decodes finish in', async () => {
    const pre = make({ crop: 6, augment: { randomCrop: true, hflip: 0.5, rotate: 5 }, concurrency: 2 });
    const run = async () => {
      const ctx = { training: true, rng: new Rng(9) };
      const enc = await Promise.all(examples.map((e) => pre.encode(e, ctx)));
      return enc.map((e) => ('image' in e ? Array.from(e.image.data).join() : ''));
    };
    expect(await run()).toEqual(await run());
    const evalCtx = { training: false, rng: new Rng(9) };
    const a = await pre.encode(examples[0]!, evalCtx);
    const b = await pre.encode(examples[0]!, { training: false, rng: new Rng(1) });
    expect('image' in a && 'image' in b && Array.from(a.image.data)).toEqual(
      'image' in b && Array.from(b.image.data),
    );
  });

  it('fits class weights, attaches them to batches, and round-trips its state', async () => {
    const pre = make({ balance: 'weights' });
    await pre.fit(arrayDataset(examples));
    const ctx = { training: false, rng: new Rng(0) };
    const enc = await Promise.all(examples.map((e) => pre.encode(e, ctx)));
    const batch = pre.collate(enc);
    expect(batch.inputs[0]).toBeInstanceOf(tf.Tensor);
    expect((batch.inputs[0] as tf.Tensor).shape).toEqual([6, 8, 8, 1]);
    expect(Array.from(batch.targets!.dataSync())).toEqual([1, 0, 0, 1, 0, 0]);
    // 4 negatives, 2 positives: balanced weights 6/(2*4) and 6/(2*2).
    expect(batch.classWeights).toEqual([0.75, 1.5]);
    // Weighted in the loss, so core's data.sampling auto does not also resample.
    expect(pre.balancesClasses()).toBe(true);
    expect(make({}).balancesClasses()).toBe(false);
    const again = make({ balance: 'weights' });
    again.loadState(pre.saveState());
    expect(again.saveState()).toEqual(pre.saveState());
    expect(() => again.loadState({ classWeights: ['x'] } as never)).toThrow('malformed');
    tf.dispose([batch.inputs[0] as tf.Tensor, batch.targets!]);
    expect(make({ channels: 3, resize: { size: 4 } }).modelConfig()).toEqual({
      num_channels: 3,
      image_size: 4,
    });
  });

  it('skips corrupt files when asked (counted and reported), fails naming them otherwise', async () => {
    const bad: ImageExample = { source: { kind: 'file', path: path.join(dir, 'bad.png') }, label: 0 };
    const ctx = { training: false, rng: new Rng(0) };
    await expect(make({}).encode(bad, ctx)).rejects.toThrow(path.join(dir, 'bad.png'));
    const lines: string[] = [];
    const pre = make({ skipCorrupt: true }, (l) => lines.push(l));
    const enc: EncodedImage[] = await Promise.all(
      [examples[0]!, bad, examples[1]!].map((e) => pre.encode(e, ctx)),
    );
    const batch = pre.collate(enc);
    expect(batch.size).toBe(2);
    expect([...pre.skipped.keys()]).toEqual([path.join(dir, 'bad.png')]);
    expect(lines[0]).toContain('skipped corrupt image');
    expect(() => pre.collate([enc[1]!])).toThrow('every image of this batch failed');
    tf.dispose([batch.inputs[0] as tf.Tensor, batch.targets!]);
    expect(pre.parseInput('x/y.dcm').source.kind).toBe('dicom');
  });
});
