/**
 * File names peftkit writes into a run directory next to the adapter (`adapter_config.json`,
 * `adapter_model.safetensors`, `peftkit.json`) or the base checkpoint (`config.json`,
 * `model.safetensors`) and the Trainer's outputs (`metrics.jsonl`, `summary.json`,
 * `report.html`, `checkpoints/`). Plugins must not write files with these names.
 */
export const RUN_FILES = {
  /** What eval/predict/merge need to rebuild the model: config, architecture, head, labels, base. */
  manifest: 'peftkit-run.json',
  /** `{ id, options, state }` of the preprocessor, so inference preprocesses as training did. */
  preprocessor: 'preprocessor.json',
  /** Weights of the head's modules (PyTorch layout, keys = module paths). */
  head: 'head.safetensors',
  /** A base trained from scratch is saved here so the adapter stays usable. */
  baseDir: 'base',
  /** Files of the evaluation run for `report.html` when the config asks (`evaluation.report`). */
  evaluationDir: 'eval',
} as const;
