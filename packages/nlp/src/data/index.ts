export { type CorpusOptions, corpusOptions, corpusReader, splitCorpus } from './corpus-reader.js';
export { type CsvTextOptions, csvTextOptions, csvTextReader } from './csv-reader.js';
export { type FolderOptions, folderOptions, folderReader } from './folder-reader.js';
export { type JsonTextOptions, jsonTextOptions, jsonTextReader, parseJsonRecords } from './json-reader.js';
export { labelText } from './labels.js';
export { type RecordFields, recordFieldsShape, TARGET_KINDS, type TargetKind } from './record-options.js';
export { recordsToExamples, type SourceRecord } from './records-to-examples.js';
export type { TextExample } from './text-example.js';
