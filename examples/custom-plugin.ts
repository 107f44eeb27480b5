// A custom plugin used from code: examples/plugin-tabular (a complete third-party plugin: CSV
// reader, standardisation, MLP, head, its own PEFT method, preset) trained on a generated table.
// Scaffold your own with `peftkit new-plugin <name>` (see docs/plugin-authoring.md).
// Run: npx tsx examples/custom-plugin.ts [outDir]
import { createPeftkit, loadRun, predictRun, resolveRunConfig, trainRun } from '@peftkit/core';
import tabular from '@peftkit/example-plugin-tabular';

const host = await createPeftkit({ plugins: [tabular] });
const { config } = resolveRunConfig({
  preset: host.presets.get('tabular/classification'),
  layers: [
    {
      name: 'example',
      value: { data: { train: 'synthetic:target?rows=300&seed=2' }, training: { epochs: 3 } },
    },
  ],
});
const outDir = process.argv[2] ?? 'runs/example-tabular';
await trainRun(host, { config, outDir });
const run = await loadRun(host, outDir);
console.log(await predictRun(run, ['0.1,5,-3,10,0,2']));
