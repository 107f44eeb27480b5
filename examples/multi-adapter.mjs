// Plain JavaScript (no build step): two Hugging Face PEFT adapters on one base, each input routed
// to the adapter named for it (HF's `adapter_names`).
// Run in an installed project: node multi-adapter.mjs <hf-peft fixture dir>
// Run in the repository:       npx tsx examples/multi-adapter.mjs
import { addRunAdapter, createPeftkit, loadHfRun, predictRun } from '@peftkit/core';
import nlp from '@peftkit/nlp/plugin';

const fixtures = process.argv[2] ?? new URL('../packages/nlp/test-data/hf-peft/', import.meta.url).pathname;
const host = await createPeftkit({ plugins: [nlp] });
const run = await loadHfRun(host, { adapter: `${fixtures}/adapter-clf`, base: `${fixtures}/base` });
await addRunAdapter(run, `${fixtures}/adapter-qkv`, 'qkv');

const inputs = ['the movie was great !', 'the movie was great !', 'not good , not fun'];
const adapterNames = ['default', 'qkv', 'qkv'];
for (const [i, p] of (await predictRun(run, inputs, { adapterNames })).entries()) {
  console.log(`${adapterNames[i]}: ${inputs[i]} -> ${p.label}`);
}
