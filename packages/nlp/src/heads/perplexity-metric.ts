import { BufferedMetric, type MetricContribution } from '@peftkit/core';

/**
 * `perplexity`: `exp(mean NLL)` over every scored token, fed with per-token negative
 * log-likelihoods (what `nlp/causal-lm`'s `metricInputs` produces).
 */
export const perplexityMetric: MetricContribution = {
  id: 'perplexity',
  description: 'exp of the mean per-token negative log-likelihood (language models)',
  create: () =>
    new BufferedMetric('perplexity', (p) => {
      const values = Array.from(p as ArrayLike<number>);
      return Math.exp(values.reduce((s, v) => s + v, 0) / Math.max(1, values.length));
    }),
};
