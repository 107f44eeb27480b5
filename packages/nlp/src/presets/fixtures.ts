import { createRequire } from 'node:module';
import * as path from 'node:path';

/** The UCI Sentiment Labelled Sentences domains the `sentiment` package ships as test fixtures. */
export const SENTIMENT_DOMAINS = ['imdb', 'yelp', 'amazon'] as const;
export type SentimentDomain = (typeof SENTIMENT_DOMAINS)[number];

/**
 * Path of one domain's fixture (`[{ text, class }]`, 1000 sentences, CC BY 4.0, plus one empty
 * record the readers skip), or undefined when the package cannot be resolved.
 */
export function sentimentFixture(domain: SentimentDomain): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return path.join(
      path.dirname(require.resolve('sentiment/package.json')),
      'test',
      'fixtures',
      `${domain}.json`,
    );
  } catch {
    return undefined;
  }
}
