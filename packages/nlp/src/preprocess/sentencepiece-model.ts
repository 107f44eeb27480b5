import protobuf from 'protobufjs';

/**
 * The parts of SentencePiece's `ModelProto` (sentencepiece_model.proto) a tokenizer needs, with
 * the library's field numbers and proto2 defaults. Unknown fields (the rest of the trainer spec,
 * the self-test data) are skipped by the decoder.
 */
const SCHEMA = `
syntax = "proto2";
package sentencepiece;
message ModelProto {
  message SentencePiece {
    enum Type { NORMAL = 1; UNKNOWN = 2; CONTROL = 3; USER_DEFINED = 4; UNUSED = 5; BYTE = 6; }
    optional string piece = 1;
    optional float score = 2;
    optional Type type = 3 [default = NORMAL];
  }
  repeated SentencePiece pieces = 1;
  optional TrainerSpec trainer_spec = 2;
  optional NormalizerSpec normalizer_spec = 3;
}
message TrainerSpec {
  enum ModelType { UNIGRAM = 1; BPE = 2; WORD = 3; CHAR = 4; }
  optional ModelType model_type = 3 [default = UNIGRAM];
  optional bool byte_fallback = 35 [default = false];
  optional int32 unk_id = 40 [default = 0];
}
message NormalizerSpec {
  optional string name = 1;
  optional bool add_dummy_prefix = 3 [default = true];
  optional bool remove_extra_whitespaces = 4 [default = true];
  optional bool escape_whitespaces = 5 [default = true];
}
`;

let modelType: protobuf.Type | undefined;

/** SentencePiece piece types (`ModelProto.SentencePiece.Type`). */
export type SentencePieceType = 'normal' | 'unknown' | 'control' | 'user_defined' | 'unused' | 'byte';

const PIECE_TYPES: Record<number, SentencePieceType> = {
  1: 'normal',
  2: 'unknown',
  3: 'control',
  4: 'user_defined',
  5: 'unused',
  6: 'byte',
};
const MODEL_TYPES: Record<number, SentencePieceModel['modelType']> = {
  1: 'unigram',
  2: 'bpe',
  3: 'word',
  4: 'char',
};

/** A SentencePiece model file (`*.spm`, `spiece.model`) as read by `readSentencePieceModel`. */
export interface SentencePieceModel {
  readonly pieces: readonly { piece: string; score: number; type: SentencePieceType }[];
  readonly modelType: 'unigram' | 'bpe' | 'word' | 'char';
  readonly byteFallback: boolean;
  readonly unkId: number;
  readonly normalizer: {
    /** Rule set name (`nmt_nfkc`, `nfkc`, `identity`, ...); its precompiled tables are not decoded. */
    readonly name: string;
    readonly addDummyPrefix: boolean;
    readonly removeExtraWhitespaces: boolean;
    readonly escapeWhitespaces: boolean;
  };
}

/**
 * Decodes a SentencePiece model protobuf (with `protobufjs`). Errors name `where` and say what
 * was expected; a file that is not a model (no pieces) is refused.
 *
 * @example readSentencePieceModel(await fs.readFile('opus-mt-en-de/source.spm'), 'source.spm')
 */
export function readSentencePieceModel(bytes: Uint8Array, where: string): SentencePieceModel {
  modelType ??= protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('sentencepiece.ModelProto');
  let raw: Record<string, unknown>;
  try {
    raw = modelType.toObject(modelType.decode(bytes), { defaults: true, enums: Number, longs: Number });
  } catch (err) {
    throw new Error(`${where}: not a SentencePiece model protobuf (${(err as Error).message})`);
  }
  const pieces = (raw['pieces'] as { piece: string; score: number; type: number }[]).map((p, i) => {
    const type = PIECE_TYPES[p.type];
    if (!type) throw new Error(`${where}: piece ${i} has unknown type ${p.type}`);
    return { piece: p.piece, score: p.score, type };
  });
  if (pieces.length === 0) throw new Error(`${where}: not a SentencePiece model (it has no pieces)`);
  const trainer = (raw['trainer_spec'] ?? {}) as {
    model_type?: number;
    byte_fallback?: boolean;
    unk_id?: number;
  };
  const norm = (raw['normalizer_spec'] ?? {}) as {
    name?: string;
    add_dummy_prefix?: boolean;
    remove_extra_whitespaces?: boolean;
    escape_whitespaces?: boolean;
  };
  const kind = MODEL_TYPES[trainer.model_type ?? 1];
  if (!kind) throw new Error(`${where}: unknown model_type ${trainer.model_type}`);
  return {
    pieces,
    modelType: kind,
    byteFallback: trainer.byte_fallback ?? false,
    unkId: trainer.unk_id ?? 0,
    normalizer: {
      name: norm.name ?? '',
      addDummyPrefix: norm.add_dummy_prefix ?? true,
      removeExtraWhitespaces: norm.remove_extra_whitespaces ?? true,
      escapeWhitespaces: norm.escape_whitespaces ?? true,
    },
  };
}
