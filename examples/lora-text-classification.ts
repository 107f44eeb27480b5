// LoRA text classification in a few lines: the nlp plugin's sentiment preset on a tiny BERT.
// Run: npx tsx examples/lora-text-classification.ts [outDir]
import { createPeftkit, loadRun, predictRun, resolveRunConfig, trainRun } from '@peftkit/core';
import nlp from '@peftkit/nlp/plugin';

const here = (p: string) => new URL(p, import.meta.url).pathname;
const host = await createPeftkit({ plugins: [nlp] });
const { config } = resolveRunConfig({
  preset: host.presets.get('nlp/sentiment'),
  layers: [
    {
      name: 'example',
      value: {
        data: { train: here('data/reviews.jsonl'), options: { labelField: 'label' } },
        model: { base: here('../packages/nlp/test-data/hf-peft/base') }, // or a Hub id: 'org/bert-model'
        training: { epochs: 3, batchSize: 8, lr: 1e-2 },
      },
    },
  ],
});
const outDir = process.argv[2] ?? 'runs/example-text-lora';
await trainRun(host, { config, outDir });
const run = await loadRun(host, outDir);
console.log(await predictRun(run, ['the plot was great fun', 'boring and terrible']));
