import { describe, expect, it } from 'vitest';
import { createWordNormalizer } from './word-normalizer.js';

describe('createWordNormalizer (natural)', () => {
  it('lower-cases, strips accents and splits punctuation', async () => {
    const words = await createWordNormalizer();
    expect(words("Don't stop: Café CRÈME, naïve!")).toEqual(['don', 't', 'stop', 'cafe', 'creme', 'naive']);
  });

  it('stems and drops stop words on request', async () => {
    const words = await createWordNormalizer({ stem: true, removeStopWords: true });
    expect(words('The runners were running quickly!')).toEqual(['runner', 'run', 'quickli']);
  });

  it('keeps case and punctuation when asked', async () => {
    const words = await createWordNormalizer({ lowercase: false, dropPunctuation: false });
    expect(words('Hi, Bob.')).toEqual(['Hi', ',', 'Bob', '.']);
  });
});
