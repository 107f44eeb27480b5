// Type declarations for the `natural` submodules peftkit imports directly. `natural`'s own
// index.d.ts describes the package root, whose import loads database adapters and prints to
// stdout; these files are plain CommonJS with no declarations of their own.

declare module 'natural/lib/natural/tokenizers/regexp_tokenizer.js' {
  export class WordPunctTokenizer {
    tokenize(text: string): string[];
  }
}

declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const PorterStemmer: { stem(token: string): string };
  export default PorterStemmer;
}

declare module 'natural/lib/natural/util/stopwords.js' {
  export const words: string[];
}
