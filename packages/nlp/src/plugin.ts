import {
  Architecture,
  ContainerModule,
  DatasetReader,
  definePlugin,
  Head,
  MetricContribution,
  PlacementContribution,
  Preprocessor,
  Preset,
} from '@peftkit/core';
import { corpusReader } from './data/corpus-reader.js';
import { csvTextReader } from './data/csv-reader.js';
import { folderReader } from './data/folder-reader.js';
import { jsonTextReader } from './data/json-reader.js';
import { jsonlPairReader } from './data/jsonl-pair-reader.js';
import { tsvPairReader } from './data/tsv-pair-reader.js';
import { causalLmHead } from './heads/causal-lm-head.js';
import { maskedLmHead } from './heads/masked-lm-head.js';
import { perplexityMetric } from './heads/perplexity-metric.js';
import { regressionHead } from './heads/regression-head.js';
import { seq2seqLmHead } from './heads/seq2seq-lm-head.js';
import { sequenceClassificationHead } from './heads/sequence-classification-head.js';
import { tokenClassificationHead } from './heads/token-classification-head.js';
import { TEXT_METRICS } from './metrics/index.js';
import { bartArchitecture, marianArchitecture } from './models/bart/architecture.js';
import { bertArchitecture } from './models/bert/architecture.js';
import { distilBertArchitecture } from './models/distilbert/architecture.js';
import { gpt2Architecture } from './models/gpt2/architecture.js';
import {
  bartPlacementDefaults,
  bertPlacementDefaults,
  distilBertPlacementDefaults,
  gpt2PlacementDefaults,
  marianPlacementDefaults,
  t5PlacementDefaults,
} from './models/placement-defaults.js';
import { t5Architecture } from './models/t5/architecture.js';
import { seq2seqPreprocessor } from './preprocess/seq2seq-preprocessor.js';
import { textPreprocessor } from './preprocess/text-preprocessor.js';
import {
  causalLmPreset,
  domainMlmPreset,
  sentimentPreset,
  summarizationPreset,
  tokenClassificationPreset,
  topicPreset,
  translationPreset,
} from './presets/index.js';

/**
 * The `@peftkit/nlp` plugin: text readers (CSV/TSV, JSONL, label folders, plain-text corpora),
 * the `nlp/tokenizer` preprocessor (WordPiece / byte-level BPE), the `bert`, `distilbert`,
 * `gpt2`, `t5`, `bart` and `marian` architectures with their placements, the sequence/token
 * classification, regression, masked-, causal- and seq2seq-LM heads, the `perplexity` metric, and the `nlp/*` presets.
 */
export const nlpPlugin = definePlugin({
  id: 'nlp',
  version: '0.1.0',
  domain: 'nlp',
  description:
    'text: WordPiece/BPE tokenizers, BERT, DistilBERT and GPT-2 (HF checkpoints), classification, tagging and LM heads',
  module: new ContainerModule(({ bind }) => {
    // Pair readers come last: a .tsv/.jsonl without a named reader keeps picking nlp/csv, nlp/jsonl.
    for (const r of [
      csvTextReader,
      jsonTextReader,
      folderReader,
      corpusReader,
      tsvPairReader,
      jsonlPairReader,
    ])
      bind(DatasetReader).toConstantValue(r);
    bind(Preprocessor).toConstantValue(textPreprocessor);
    bind(Preprocessor).toConstantValue(seq2seqPreprocessor);
    for (const a of [
      bertArchitecture,
      distilBertArchitecture,
      gpt2Architecture,
      t5Architecture,
      bartArchitecture,
      marianArchitecture,
    ])
      bind(Architecture).toConstantValue(a);
    for (const p of [
      bertPlacementDefaults,
      distilBertPlacementDefaults,
      gpt2PlacementDefaults,
      t5PlacementDefaults,
      bartPlacementDefaults,
      marianPlacementDefaults,
    ])
      bind(PlacementContribution).toConstantValue(p);
    for (const h of [
      sequenceClassificationHead,
      regressionHead,
      tokenClassificationHead,
      maskedLmHead,
      causalLmHead,
      seq2seqLmHead,
    ]) {
      bind(Head).toConstantValue(h);
    }
    for (const m of [perplexityMetric, ...TEXT_METRICS]) bind(MetricContribution).toConstantValue(m);
    for (const p of [
      sentimentPreset,
      topicPreset,
      tokenClassificationPreset,
      causalLmPreset,
      domainMlmPreset,
      translationPreset,
      summarizationPreset,
    ]) {
      bind(Preset).toConstantValue(p);
    }
  }),
});

export default nlpPlugin;
