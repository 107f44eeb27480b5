/**
 * The files peftkit reads from a model or adapter repository: configs (generation defaults too), safetensors weights
 * (single or sharded), tokenizer and preprocessor files, HF PEFT adapter files and the files a
 * peftkit run adds. Never `*.bin`, `*.h5`, ONNX or other frameworks' weights.
 */
const WANTED = new Set([
  'config.json',
  // Generation defaults of encoder-decoders (num_beams, max_length, forced tokens).
  'generation_config.json',
  'model.safetensors',
  'model.safetensors.index.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  // Marian's SentencePiece models (read with vocab.json).
  'source.spm',
  'target.spm',
  'preprocessor_config.json',
  'feature_extractor_config.json',
  'adapter_config.json',
  'adapter_model.safetensors',
  'peftkit-run.json',
  'peftkit.json',
  'preprocessor.json',
  'head.safetensors',
]);
const SHARD = /^model-\d{5}-of-\d{5}\.safetensors$/;

/** True when `file` (a repo-relative path) is one peftkit needs. Top-level files only. */
export function isWantedHubFile(file: string): boolean {
  return !file.includes('/') && (WANTED.has(file) || SHARD.test(file));
}

/**
 * What a snapshot holding `files` lacks to be loadable: a `config.json` or `adapter_config.json`,
 * the adapter's weights next to its config, and the base's weights (one file, or the index and
 * every shard it names; `shards` are the index's file names when it was read).
 */
export function missingHubFiles(files: ReadonlySet<string>, shards?: readonly string[]): string[] {
  const missing: string[] = [];
  const adapter = files.has('adapter_config.json');
  const model = files.has('config.json');
  if (!adapter && !model) return ['config.json or adapter_config.json'];
  if (adapter && !files.has('adapter_model.safetensors')) missing.push('adapter_model.safetensors');
  if (model && !adapter && !files.has('model.safetensors') && !files.has('model.safetensors.index.json')) {
    missing.push('model.safetensors (or model.safetensors.index.json)');
  }
  for (const s of shards ?? []) if (!files.has(s)) missing.push(s);
  return missing;
}
