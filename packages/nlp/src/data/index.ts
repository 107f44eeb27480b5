export { type CorpusOptions, corpusOptions, corpusReader, splitCorpus } from './corpus-reader.js';
export { type CsvTextOptions, csvTextOptions, csvTextReader } from './csv-reader.js';
export { type FolderOptions, folderOptions, folderReader } from './folder-reader.js';
export { type JsonTextOptions, jsonTextOptions, jsonTextReader, parseJsonRecords } from './json-reader.js';
export {
  type JsonlPairOptions,
  jsonlPairOptions,
  jsonlPairReader,
} from './jsonl-pair-reader.js';
export { labelText } from './labels.js';
export { type PairRecord, pairsToExamples } from './pair-records.js';
export { type RecordFields, recordFieldsShape, TARGET_KINDS, type TargetKind } from './record-options.js';
export { recordsToExamples, type SourceRecord } from './records-to-examples.js';
export type { TextExample } from './text-example.js';
export type { TextPairExample } from './text-pair-example.js';
export { type TsvPairOptions, tsvPairOptions, tsvPairReader } from './tsv-pair-reader.js';
