import { type AnyModule, type LoadedRun, ModulesToSaveWrapper, PeftModel, UserError } from '@peftkit/core';
import { saveMmsAdapter } from './mms-adapter.js';
import { Wav2Vec2Model } from './model.js';

/** The CTC head's output Linear as the run uses it: the adapter's trained copy when it has one. */
function runLmHead(run: LoadedRun): AnyModule | undefined {
  const { model, headPaths } = run.built.headed;
  if (!headPaths.includes('lm_head')) return undefined;
  const head = model.getSubmodule('lm_head');
  if (!(head instanceof ModulesToSaveWrapper)) return head;
  const active = run.model instanceof PeftModel ? run.model.activeAdapter : undefined;
  if (active === undefined) throw new UserError(`${run.dir}: no active adapter holds the trained lm_head`);
  return head.copyFor(active);
}

/**
 * Writes the MMS adapter layers of a trained run (a `wav2vec2` base with `adapter_attn_dim`) as
 * HF's `<dir>/adapter.<lang>.safetensors`: with the run's CTC `lm_head` (its trained copy) in the
 * `Wav2Vec2ForCTC` layout `load_adapter(lang)` reads, else the `Wav2Vec2Model` layout. Train the
 * layers with `peft: { peftType: SELECTIVE, trainableModules: ['adapter_layer'] }` (in place, so
 * the loaded run's base holds the trained values).
 *
 * @example
 * const run = await loadRun(host, 'runs/mms-deu');
 * await saveRunMmsAdapter(run, 'models/mms-1b-all', 'deu'); // models/mms-1b-all/adapter.deu.safetensors
 */
export async function saveRunMmsAdapter(run: LoadedRun, dir: string, lang: string): Promise<string> {
  const base = run.built.headed.model.getSubmodule(run.built.headed.basePath);
  if (!(base instanceof Wav2Vec2Model) || !base.config.adapter_attn_dim) {
    throw new UserError(
      `${run.dir}: the run's base is ${run.architecture.id} without MMS adapter layers (a wav2vec2 config with adapter_attn_dim is needed)`,
    );
  }
  const lmHead = runLmHead(run);
  return saveMmsAdapter(base, dir, lang, lmHead ? { lmHead } : {});
}
