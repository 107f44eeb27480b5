export { causalLmPreset, SMALL_GPT2 } from './causal-lm.js';
export { domainMlmPreset } from './domain-mlm.js';
export { SENTIMENT_DOMAINS, type SentimentDomain, sentimentFixture } from './fixtures.js';
export { SMALL_BERT, sentimentPreset } from './sentiment.js';
export { summarizationPreset } from './summarization.js';
export { tokenClassificationPreset } from './token-classification.js';
export { topicPreset } from './topic.js';
export { SEQ2SEQ_LORA, SMALL_T5, translationPreset } from './translation.js';
