// Loads an adapter saved by Python PEFT (`model.save_pretrained`) onto its Hugging Face base and
// predicts, as `PeftModel.from_pretrained` + a pipeline would. The fixture was made with PyTorch
// (packages/nlp/test-data/hf-peft/make_fixture.py).
// Run: npx tsx examples/hf-adapter.ts
import { createPeftkit, loadHfRun, predictRun } from '@peftkit/core';
import nlp from '@peftkit/nlp/plugin';

const fixtures = new URL('../packages/nlp/test-data/hf-peft/', import.meta.url).pathname;
const host = await createPeftkit({ plugins: [nlp] });
// `base` may be omitted: the adapter's `base_model_name_or_path` is used (a directory or Hub id).
const run = await loadHfRun(host, { adapter: `${fixtures}adapter-clf`, base: `${fixtures}base` });
for (const p of await predictRun(run, ['The movie was great!', 'Boring plot, bad acting.'])) {
  console.log(`${p.input} -> ${p.label} ${JSON.stringify(p.probabilities)}`);
}
