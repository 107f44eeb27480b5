export { corpusOptions, corpusReader, type CorpusOptions, splitCorpus } from './corpus-reader.js';
export { type CsvTable, parseCsv } from './csv.js';
export { csvTextOptions, csvTextReader, type CsvTextOptions } from './csv-reader.js';
export { folderOptions, folderReader, type FolderOptions } from './folder-reader.js';
export { jsonTextOptions, jsonTextReader, type JsonTextOptions, parseJsonRecords } from './json-reader.js';
export { describeUnseen, type IndexedLabels, indexLabels, labelSet, labelText } from './labels.js';
export { type RecordFields, recordFieldsShape, TARGET_KINDS, type TargetKind } from './record-options.js';
export { recordsToExamples, type SourceRecord } from './records-to-examples.js';
export type { TextExample } from './text-example.js';
