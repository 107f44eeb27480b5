/**
 * The CTC head in core's run engine (train, eval, predict) with a test-only plugin: the reader
 * returns the character vocabulary as the run's labels, the preprocessor encodes transcripts with
 * it into -100-padded targets, and the encoder reports its output lengths. This is the batch
 * layout speech preprocessors and encoders give the head.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Architecture,
  arrayDataset,
  ContainerModule,
  createPeftkit,
  DatasetReader,
  definePlacement,
  definePlugin,
  evaluateRun,
  Head,
  initBackend,
  loadCheckpointInto,
  loadRun,
  MetricContribution,
  type ModelBatch,
  Preprocessor,
  predictRun,
  Rng,
  readJsonObject,
  resolveRunConfig,
  saveCheckpoint,
  trainRun,
  z,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cerMetric, werMetric } from '../metrics/error-rate.js';
import { ctcHead } from './ctc-head.js';
import { padCtcTargets } from './ctc-targets.js';
import { buildCharVocabulary, CtcVocabulary } from './ctc-vocabulary.js';
import { TinyEncoder } from './testing/tiny-encoder.js';

interface Utterance {
  readonly text: string;
  readonly frames: number[][];
}

const SYMBOLS = 'abc ';
const WIDTH = SYMBOLS.length + 1; // one feature per symbol, one for silence
const WORDS = ['ab', 'b ca', 'cab', 'a c', 'ba'];

/** "Audio" of a text: 2 noisy frames per symbol, a silence frame between symbols. */
function speak(text: string, rng: Rng): Utterance {
  const frames: number[][] = [];
  const frame = (k: number) =>
    frames.push(Array.from({ length: WIDTH }, (_, i) => (i === k ? 1 : 0) + rng.normal(0, 0.1)));
  for (const ch of text) {
    const k = SYMBOLS.indexOf(ch);
    frame(k);
    frame(k);
    frame(WIDTH - 1);
  }
  return { text, frames };
}

const reader: DatasetReader<Utterance> = {
  id: 'test/spoken',
  description: 'spoken:<n>[?seed]: synthetic utterances of a few words',
  formats: ['spoken:'],
  canRead: (p) => p.startsWith('spoken:'),
  async read(location, { labels }) {
    const [n, seed] = location.slice(7).split('?').map(Number);
    const rng = new Rng(seed ?? 1);
    const rows = Array.from({ length: n ?? 0 }, (_, i) => speak(WORDS[i % WORDS.length] as string, rng));
    // Training reads build the vocabulary; eval reads keep the run's.
    return {
      dataset: arrayDataset(rows, location),
      labels: labels ?? buildCharVocabulary(rows.map((r) => r.text)),
    };
  },
};

interface Encoded {
  readonly frames: number[][];
  readonly ids: number[] | undefined;
}

const preprocessor: Preprocessor<Utterance, Encoded, ModelBatch> = {
  id: 'test/frames',
  description: 'frames as they are; transcripts as vocabulary ids',
  create: (_, { labels }) => {
    const vocab = new CtcVocabulary(labels ?? []);
    return {
      encode: (u) => ({ frames: u.frames, ids: u.text ? vocab.encode(u.text) : undefined }),
      collate: (rows) => {
        const t = Math.max(...rows.map((r) => r.frames.length));
        const padded = rows.map((r) => [
          ...r.frames,
          ...Array(t - r.frames.length).fill(Array(WIDTH).fill(0)),
        ]);
        const lengths = rows.map((r) => r.frames.length);
        return {
          inputs: [tf.tensor3d(padded), tf.tensor1d(lengths, 'int32')],
          ...(rows.every((r) => r.ids) ? { targets: padCtcTargets(rows.map((r) => r.ids as number[])) } : {}),
          size: rows.length,
        };
      },
      parseInput: (text) => ({ ...speak(text, new Rng(5)), text: '' }),
      saveState: () => ({}),
      loadState: () => {},
    };
  },
};

const encoderConfig = z.strictObject({
  inFeatures: z.number().default(WIDTH),
  hidden: z.number().default(16),
});
type EncoderConfig = z.output<typeof encoderConfig>;

const architecture: Architecture<EncoderConfig> = {
  id: 'test/wav2vec2',
  description: 'one projection per frame',
  configSchema: encoderConfig,
  build: (c) => new TinyEncoder(c.inFeatures, c.hidden),
  async loadCheckpoint(dir) {
    const json = await readJsonObject(path.join(dir, 'config.json'));
    const config = encoderConfig.parse({ inFeatures: json['in_features'], hidden: json['hidden'] });
    const model = new TinyEncoder(config.inFeatures, config.hidden);
    await loadCheckpointInto(dir, model);
    return { model, config };
  },
  saveCheckpoint: (dir, model, c) =>
    saveCheckpoint(dir, model, { model_type: 'wav2vec2', in_features: c.inFeatures, hidden: c.hidden }),
  placement: () =>
    definePlacement({
      architecture: 'test/wav2vec2',
      layers: undefined,
      layerRoles: {},
      modelRoles: { embed: 'proj' },
    }),
  outputFeatures: (c) => c.hidden,
};

const plugin = definePlugin({
  id: 'speech-ctc-test',
  version: '0.0.1',
  domain: 'speech',
  description: 'the CTC head with a synthetic reader, preprocessor and encoder',
  module: new ContainerModule(({ bind }) => {
    bind(DatasetReader).toConstantValue(reader);
    bind(Preprocessor).toConstantValue(preprocessor);
    bind(Architecture).toConstantValue(architecture);
    bind(Head).toConstantValue(ctcHead);
    bind(MetricContribution).toConstantValue(cerMetric);
    bind(MetricContribution).toConstantValue(werMetric);
  }),
});

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-ctc-run-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('speech/ctc in a run', () => {
  it('trains with the vocabulary as labels, reports CER/WER, evaluates and predicts a transcript', async () => {
    const host = await createPeftkit({ plugins: [plugin] });
    const { config } = resolveRunConfig({
      layers: [
        {
          name: 'test',
          value: {
            data: { train: 'spoken:40', eval: 'spoken:10?9' },
            preprocess: { id: 'test/frames' },
            model: { architecture: 'test/wav2vec2' },
            head: { id: 'speech/ctc', config: { dropout: 0 } },
            peft: { peftType: 'LORA', r: 4, targetModules: ['proj'] },
            // Seed 1: with the default seed this toy locks into a blank on the space frames (a known
            // CTC alignment trap), which full fine-tuning escapes and LoRA on one layer does not.
            training: {
              maxSteps: 60,
              batchSize: 8,
              lr: 2e-2,
              seed: 1,
              schedule: 'constant',
              evalEvery: { steps: 20 },
              logEvery: 20,
            },
          },
        },
      ],
    });
    const out = path.join(dir, 'run');
    const result = await trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
    expect(result.labels).toEqual(['<pad>', '<unk>', '|', 'a', 'b', 'c']);
    const lines = (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // The contributed metrics ran at every evaluation, and training drove them to 0.
    const evals = lines.filter((l) => l.type === 'eval').map((l) => l.metrics);
    expect(evals).toHaveLength(3);
    expect(evals[0].cer).toBeGreaterThan(0);
    expect(evals.at(-1)).toMatchObject({ cer: 0, wer: 0 });

    // A loaded run (adapter + lm_head from modules_to_save, labels from the manifest) evaluates and predicts.
    const run = await loadRun(host, out);
    expect(run.labels).toEqual(result.labels);
    const { metrics } = await evaluateRun(host, run, { data: 'spoken:10?4' });
    expect(metrics).toMatchObject({ cer: 0, wer: 0 });
    const predictions = await predictRun(run, ['b ca', 'cab']);
    expect(predictions).toEqual([
      { input: 'b ca', value: 'b ca' },
      { input: 'cab', value: 'cab' },
    ]);
    run.model.dispose();
  });
});
