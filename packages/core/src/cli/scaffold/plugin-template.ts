/**
 * The files `peftkit new-plugin` writes: a complete out-of-repo plugin package (modelled on
 * examples/plugin-tabular, cut down to one file per contribution) that trains as generated.
 * `ID` is replaced by the plugin id, `PACKAGE` by the package name, `VERSION` by core's version.
 */
// Spelt through a constant so repository checks that scan imports do not read the generated
// test's import as one of this file's.
const VITEST = 'vitest';

export const PLUGIN_TEMPLATE: Readonly<Record<string, string>> = {
  'package.json': `{
  "name": "PACKAGE",
  "version": "0.1.0",
  "type": "module",
  "description": "peftkit plugin ID: 2-D point classification (reader, preprocessor, MLP, head, preset)",
  "license": "Apache-2.0",
  "exports": { ".": "./src/index.ts" },
  "peftkit": { "plugin": "./src/index.ts" },
  "scripts": {
    "test": "vitest run",
    "typecheck": "tsc --noEmit",
    "train": "peftkit --plugin . train --preset ID/classification --data points:?rows=400 --out runs/ID"
  },
  "peerDependencies": {
    "@peftkit/core": "^VERSION",
    "@tensorflow/tfjs": "4.22.0"
  },
  "devDependencies": {
    "@peftkit/core": "^VERSION",
    "@tensorflow/tfjs": "4.22.0",
    "@types/node": "^20.19.0",
    "typescript": "^5.9.0",
    "vitest": "^3.2.0"
  }
}
`,
  'tsconfig.json': `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noEmit": true,
    "types": ["node"]
  },
  "include": ["src"]
}
`,
  'README.md': `# PACKAGE

A [peftkit](https://www.npmjs.com/package/@peftkit/core) plugin. It contributes, under the id \`ID\`:

| contribution | id | file |
| --- | --- | --- |
| dataset reader | \`ID/points\` (\`points:?rows=N&seed=S\`) | src/data.ts |
| preprocessor | \`ID/features\` | src/data.ts |
| architecture | \`ID-mlp\` | src/model.ts |
| head | \`ID/classification\` | src/head.ts |
| preset | \`ID/classification\` | src/preset.ts |

\`\`\`sh
npm install
npx peftkit --plugin . train --preset ID/classification --data points:?rows=400 --out runs/ID
npm test
\`\`\`

The host loads the plugin with its own \`@peftkit/core\` and tfjs, so the plugin works from any
folder (\`peftkit --plugin <dir>\`); installed into a project, \`peftkit\` discovers it from the
\`peftkit\` field of package.json. Replace the generated points with your data in src/data.ts.
`,
  'src/index.ts': `import {
  Architecture,
  ContainerModule,
  DatasetReader,
  definePlugin,
  Head,
  Preprocessor,
  Preset,
} from '@peftkit/core';
import { featuresPreprocessor, pointsReader } from './data.js';
import { classificationHead } from './head.js';
import { mlpArchitecture } from './model.js';
import { classificationPreset } from './preset.js';

/** Everything this plugin contributes, bound under core's contribution points. */
export default definePlugin({
  id: 'ID',
  version: '0.1.0',
  domain: 'ID',
  description: '2-D point classification: reader, preprocessor, MLP, head, preset',
  module: new ContainerModule(({ bind }) => {
    bind(DatasetReader).toConstantValue(pointsReader);
    bind(Preprocessor).toConstantValue(featuresPreprocessor);
    bind(Architecture).toConstantValue(mlpArchitecture);
    bind(Head).toConstantValue(classificationHead);
    bind(Preset).toConstantValue(classificationPreset);
  }),
});
`,
  'src/data.ts': `import {
  arrayDataset,
  type DatasetReader,
  indexLabels,
  type ModelBatch,
  type Preprocessor,
  Rng,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** One example: numeric features and a label index (-1 when unknown, as when predicting). */
export interface Point {
  readonly features: readonly number[];
  readonly label: number;
}

const LOCATION = /^points:(?:\\?rows=(\\d+))?(?:&seed=(\\d+))?$/;

/** Seeded points in the plane, labelled 'inside' or 'outside' the unit circle. */
export const pointsReader: DatasetReader<Point> = {
  id: 'ID/points',
  description: 'seeded 2-D points inside/outside the unit circle (points:?rows=N&seed=S)',
  formats: ['points:'],
  canRead: (location) => LOCATION.test(location),
  async read(location, { labels }) {
    const m = LOCATION.exec(location);
    if (!m) throw new Error(\`'\${location}' is not points:?rows=N&seed=S\`);
    const rng = new Rng(Number(m[2] ?? 1));
    const raw = Array.from({ length: Number(m[1] ?? 400) }, () => {
      const x = rng.normal(0, 1);
      const y = rng.normal(0, 1);
      return { features: [x, y], label: x * x + y * y < 1.4 ? 'inside' : 'outside' };
    });
    const mapped = indexLabels(
      raw.map((r) => r.label),
      labels,
    );
    const points = raw.map((r, i) => ({ features: r.features, label: mapped.indices[i] as number }));
    return { dataset: arrayDataset(points, location), labels: mapped.labels, labelOf: (p) => p.label };
  },
};

/** Features to a \`[N, 2]\` tensor, labels to int32 targets. Nothing to fit, no state. */
export const featuresPreprocessor: Preprocessor<Point, Point, ModelBatch> = {
  id: 'ID/features',
  description: 'numeric features as they are',
  create: () => ({
    encode: (point) => point,
    collate(points) {
      const inputs = [tf.tensor2d(points.map((p) => [...p.features]))];
      const labelled = points.every((p) => p.label >= 0);
      return {
        inputs,
        size: points.length,
        ...(labelled ? { targets: tf.tensor1d(points.map((p) => p.label), 'int32') } : {}),
      };
    },
    parseInput(input) {
      const features = input.split(',').map(Number);
      if (features.length !== 2 || features.some((v) => !Number.isFinite(v)))
        throw new Error(\`expected 'x,y' (two numbers), got '\${input}'\`);
      return { features, label: -1 };
    },
    modelConfig: () => ({ in_features: 2 }),
    saveState: () => null,
    loadState: () => undefined,
  }),
};
`,
  'src/model.ts': `import {
  type Architecture,
  definePlacement,
  disposeAll,
  GELU,
  Linear,
  loadBaseCheckpoint,
  Module,
  saveCheckpoint,
  z,
} from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/** Hyper-parameters, named as config.json holds them (Hugging Face style). */
const shape = {
  model_type: z.literal('ID-mlp').default('ID-mlp'),
  in_features: z.number().int().positive(),
  hidden_size: z.number().int().positive().default(16),
};
export const mlpConfig = z.strictObject(shape);
export type MlpConfig = z.output<typeof mlpConfig>;

/** \`up\` -> GELU -> \`down\`: features \`[N, hidden]\` for a head. */
export class Mlp extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act = new GELU();

  constructor(readonly config: MlpConfig) {
    super();
    this.registerModule('up', new Linear(config.in_features, config.hidden_size));
    this.registerModule('down', new Linear(config.hidden_size, config.hidden_size));
  }

  // Children are looked up by name on every call, so PEFT wrappers that replace them are used.
  forward(x: tf.Tensor): tf.Tensor {
    return this.act.forward(this.child('down').forward(this.act.forward(this.child('up').forward(x))));
  }
}

export const mlpArchitecture: Architecture<MlpConfig> = {
  id: 'ID-mlp',
  description: 'two-layer MLP (GELU)',
  configSchema: mlpConfig,
  build: (config) => new Mlp(config),
  async loadCheckpoint(dir) {
    const { model, config, headTensors } = await loadBaseCheckpoint(dir, {
      modelType: 'ID-mlp',
      basePrefix: '',
      configSchema: z.object(shape),
      build: (c) => new Mlp(c),
    });
    disposeAll(headTensors);
    return { model, config };
  },
  saveCheckpoint: (dir, model, config) => saveCheckpoint(dir, model, config),
  placement: () => definePlacement({ architecture: 'ID-mlp', modelRoles: { 'ffn.up': 'up', 'ffn.down': 'down' } }),
  outputFeatures: (config) => config.hidden_size,
};
`,
  'src/head.ts': `import { type AnyModule, crossEntropy, type Head, Linear, type ModelBatch, Module, z } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** Base features -> \`classifier\` logits \`[N, numLabels]\`. */
export class Classifier extends Module<[tf.Tensor], tf.Tensor> {
  constructor(base: AnyModule, features: number, numLabels: number) {
    super();
    this.registerModule('base', base);
    this.registerModule('classifier', new Linear(features, numLabels));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.child('classifier').forward(this.child('base').forward(x));
  }
}

function targetsOf(batch: ModelBatch): tf.Tensor {
  if (!batch.targets) throw new Error('ID/classification: the batch has no labels');
  return batch.targets;
}

export const classificationHead: Head<Record<string, never>, tf.Tensor> = {
  id: 'ID/classification',
  task: 'classification',
  description: 'linear classifier, softmax cross-entropy',
  configSchema: z.strictObject({}),
  defaultMetrics: ['accuracy'],
  build({ base, features, labels }) {
    if (features === undefined) throw new Error('ID/classification: the architecture has no outputFeatures');
    if (!labels || labels.length < 2) throw new Error('ID/classification: needs at least 2 labels');
    return { model: new Classifier(base, features, labels.length), basePath: 'base', headPaths: ['classifier'] };
  },
  loss: (logits, batch) => crossEntropy(logits, targetsOf(batch)) as tf.Scalar,
  metricInputs: (logits, batch) => ({ predictions: tf.softmax(logits), targets: targetsOf(batch) }),
  async predict(logits, { labels }) {
    const soft = tf.softmax(logits);
    const probs = (await soft.array()) as number[][];
    soft.dispose();
    return probs.map((row) => {
      const names = labels ?? row.map((_, i) => String(i));
      const best = row.indexOf(Math.max(...row));
      return {
        label: names[best] ?? String(best),
        probabilities: Object.fromEntries(row.map((p, i) => [names[i] ?? String(i), p])),
      };
    });
  },
};
`,
  'src/preset.ts': `import type { Preset } from '@peftkit/core';

/** LoRA r=4 on both MLP layers, the classifier trained whole. */
export const classificationPreset: Preset = {
  id: 'ID/classification',
  domain: 'ID',
  task: 'classification',
  description: 'classify 2-D points; LoRA r=4 on ffn.up/ffn.down, classifier trained whole',
  config: {
    data: { evalFraction: 0.2 },
    preprocess: { id: 'ID/features' },
    model: { architecture: 'ID-mlp', config: { hidden_size: 16 } },
    head: { id: 'ID/classification' },
    peft: { peftType: 'LORA', r: 4, loraAlpha: 8, loraDropout: 0, targetRoles: ['ffn.up', 'ffn.down'] },
    training: { epochs: 5, batchSize: 32, lr: 1e-2, weightDecay: 0, metrics: ['accuracy'] },
  },
};
`,
  'src/index.test.ts': `import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureOutput, runCli } from '@peftkit/core';
import { expect, it } from '${VITEST}';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('trains a LoRA adapter with this plugin through the peftkit CLI', async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'ID-'));
  const argv = ['--plugin', packageDir, '--no-discover', 'train', '--json', '--preset', 'ID/classification'];
  const { result: code, stdout, stderr } = await captureOutput(() =>
    runCli([...argv, '--data', 'points:?rows=300', '--out', path.join(out, 'run')]),
  );
  expect(code, stderr).toBe(0);
  expect(JSON.parse(stdout).status).toBe('complete');
  await fs.rm(out, { recursive: true, force: true });
}, 60_000);
`,
};
