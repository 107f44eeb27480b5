import type {
  Metric,
  MetricContribution,
  MetricInput,
  MetricTargets,
  MetricUpdateContext,
  MetricValue,
} from '@peftkit/core';
import { corpusBleu } from './bleu.js';
import { corpusChrf } from './chrf.js';
import { corpusRouge } from './rouge.js';

/** Scores a corpus: hypotheses and, for each, its references. */
export type CorpusScorer = (hypotheses: string[], references: string[][]) => MetricValue;

/**
 * A streaming metric over generated text. Feed it strings with `addText`, or, inside training
 * and evaluation, token-id rows with `update`: the eval step must then hand a `decode` function
 * in the update context (a seq2seq head's `metricInputs` does), which turns each prediction and
 * target row into text. Scores are computed on the whole corpus at `compute`.
 *
 * @example const m = createTextMetric('bleu'); m.addText(['the cat sat'], ['the cat sat down']); m.compute()
 */
export class TextMetric implements Metric {
  private hypotheses: string[] = [];
  private references: string[][] = [];

  constructor(
    readonly name: string,
    private readonly scorer: CorpusScorer,
  ) {}

  /** Adds segments: one hypothesis each, with one reference or a list of references. */
  addText(hypotheses: readonly string[], references: readonly (string | readonly string[])[]): void {
    if (hypotheses.length !== references.length) {
      throw new Error(`${this.name}: ${hypotheses.length} hypotheses for ${references.length} references`);
    }
    this.hypotheses.push(...hypotheses);
    for (const r of references) this.references.push(typeof r === 'string' ? [r] : [...r]);
  }

  update(predictions: MetricInput, targets: MetricTargets, context?: MetricUpdateContext): void {
    const decode = context?.decode;
    if (!decode) {
      throw new Error(
        `${this.name}: needs generated text; the head's metricInputs must return token-id rows and a decode function (a sequence-to-sequence head), not class scores`,
      );
    }
    const rows = (x: MetricInput | MetricTargets, what: string) => {
      if (x.length > 0 && typeof x[0] === 'number') {
        throw new Error(`${this.name}: ${what} must be token-id rows [N][T], got one number per example`);
      }
      return x as readonly ArrayLike<number>[];
    };
    const p = rows(predictions, 'predictions');
    const t = rows(targets, 'targets');
    this.addText(
      p.map((r) => decode(r)),
      t.map((r) => decode(r)),
    );
  }

  compute(): MetricValue {
    return this.scorer(this.hypotheses, this.references);
  }

  reset(): void {
    this.hypotheses = [];
    this.references = [];
  }
}

function contribution(id: string, description: string, scorer: CorpusScorer): MetricContribution {
  return { id, description, create: () => new TextMetric(id, scorer) };
}

/** `bleu`: sacreBLEU-compatible corpus BLEU (13a tokenisation, exp smoothing), 0..100. */
export const bleuMetric = contribution(
  'bleu',
  'corpus BLEU as sacreBLEU computes it by default (13a tokenisation, exp smoothing), 0..100',
  (h, r) => corpusBleu(h, r).score,
);

/** `chrf`: sacreBLEU's chrF2 (character 6-grams, beta 2), 0..100. */
export const chrfMetric = contribution(
  'chrf',
  'corpus chrF2 as sacreBLEU computes it by default (character 6-grams, beta 2), 0..100',
  (h, r) => corpusChrf(h, r),
);

/** `chrf++`: chrF2 with word uni- and bigrams (sacreBLEU `--chrf-word-order 2`), 0..100. */
export const chrfPlusPlusMetric = contribution(
  'chrf++',
  'corpus chrF++ (chrF2 plus word 1-2-grams), as sacreBLEU with word order 2, 0..100',
  (h, r) => corpusChrf(h, r, { wordOrder: 2 }),
);

/** `rouge`: mean ROUGE-1/2/L F-measure, rouge-score's tokeniser without stemming, 0..1. */
export const rougeMetric = contribution(
  'rouge',
  'mean ROUGE-1, ROUGE-2 and ROUGE-L F-measure (rouge-score tokeniser, no stemming), 0..1',
  (h, r) => corpusRouge(h, r),
);

/** `rouge_stem`: as `rouge` with Porter stemming (rouge-score `use_stemmer=True`), 0..1. */
export const rougeStemMetric = contribution(
  'rouge_stem',
  'mean ROUGE-1, ROUGE-2 and ROUGE-L F-measure with Porter stemming (rouge-score use_stemmer), 0..1',
  (h, r) => corpusRouge(h, r, { stem: true }),
);

/** Every text-generation metric the nlp plugin registers. */
export const TEXT_METRICS: readonly MetricContribution[] = [
  bleuMetric,
  chrfMetric,
  chrfPlusPlusMetric,
  rougeMetric,
  rougeStemMetric,
];

/** A fresh text metric by id (`bleu`, `chrf`, `chrf++`, `rouge`, `rouge_stem`). */
export function createTextMetric(id: string): TextMetric {
  const c = TEXT_METRICS.find((m) => m.id === id);
  if (!c) throw new Error(`unknown text metric '${id}' (${TEXT_METRICS.map((m) => m.id).join(', ')})`);
  return c.create() as TextMetric;
}
