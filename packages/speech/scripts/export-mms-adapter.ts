/**
 * Writes the MMS adapter layers (and CTC `lm_head`) of a trained run as Hugging Face's
 * `adapter.<lang>.safetensors` (`saveRunMmsAdapter`), which `Wav2Vec2ForCTC.load_adapter(lang)`
 * and `loadMmsAdapter` read. Prints the file written.
 *
 *   npx tsx packages/speech/scripts/export-mms-adapter.ts --run runs/mms-deu --lang deu [--out dir]
 *
 * `--out` defaults to the run directory. Train the run on an MMS base with
 * `--set 'peft={peftType: SELECTIVE, trainableModules: [adapter_layer]}'`.
 */
import { parseArgs } from 'node:util';
import { createPeftkit, initBackend, loadRun, UserError } from '@peftkit/core';
import { saveRunMmsAdapter } from '../src/models/index.js';
import { speechPlugin } from '../src/plugin.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { run: { type: 'string' }, lang: { type: 'string' }, out: { type: 'string' } },
  });
  if (!values.run || !values.lang) throw new UserError('give --run <run dir> and --lang <language id>');
  await initBackend({});
  const host = await createPeftkit({ plugins: [speechPlugin] });
  const run = await loadRun(host, values.run);
  try {
    console.log(await saveRunMmsAdapter(run, values.out ?? values.run, values.lang));
  } finally {
    run.model.dispose();
  }
}

main().catch((err: Error) => {
  console.error(`export-mms-adapter: ${err.message}`);
  process.exitCode = err instanceof UserError ? 2 : 1;
});
