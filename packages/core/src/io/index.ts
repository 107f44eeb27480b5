export {
  type FileData,
  tempSiblingPath,
  writeDirAtomic,
  writeFileAtomic,
  writeJsonAtomic,
} from './atomic-write.js';
export {
  type BaseCheckpointSpec,
  type LoadedBaseCheckpoint,
  loadBaseCheckpoint,
} from './base-checkpoint.js';
export { checkJsonDepth, parseJsonBounded, readBytesBounded, readTextBounded } from './bounded-read.js';
export {
  CHECKPOINT_FILES,
  type LoadCheckpointIntoOptions,
  type LoadedCheckpoint,
  loadCheckpoint,
  loadCheckpointInto,
  type SaveCheckpointOptions,
  saveCheckpoint,
} from './checkpoint.js';
export { type CsvTable, type ParseCsvOptions, parseCsv } from './csv.js';
export { type FileSystemHandlerOptions, fileSystemHandler } from './fs-io-handler.js';
export {
  decodeBF16,
  decodeF16,
  encodeBF16,
  encodeF16,
  floatBitsToBFloat16Bits,
  floatBitsToHalfBits,
  halfBitsToFloat,
} from './half-float.js';
export {
  type HubEnv,
  type HubRef,
  hubEnv,
  hubIdOfSnapshot,
  parseHubId,
  type ResolveModelPathOptions,
  resolveModelPath,
} from './hub/index.js';
export {
  checkLimit,
  DEFAULT_INPUT_LIMITS,
  formatByteCount,
  InputLimitError,
  type InputLimits,
  type InputLimitsInput,
  inputLimitsSchema,
  resolveInputLimits,
} from './input-limits.js';
export {
  assertRealInside,
  type InsideRootOptions,
  PathOutsideRootError,
  resolveInsideRoot,
} from './inside-root.js';
export { encodeNpy, NPY_DTYPES, type NpyArray, parseNpy } from './npy.js';
export {
  DEFAULT_MAX_NPZ_INFLATED_BYTES,
  encodeNpz,
  type NpzLimits,
  npzArrayNames,
  parseNpz,
  readNpz,
} from './npz.js';
export { readJsonObject } from './read-json.js';
export {
  loadSafetensors,
  type ParsedSafetensors,
  type ParseSafetensorsOptions,
  parseSafetensors,
  parseSafetensorsHeader,
  readSafetensors,
  readSafetensorsHeader,
  type SafetensorsEntry,
  toTensors,
} from './safetensors.js';
export {
  type DecodedData,
  type DecodedDtype,
  SAFETENSORS_ITEM_SIZE,
  type SafetensorsDtype,
  type SafetensorsFloatDtype,
  UNSUPPORTED_SAFETENSORS_DTYPES,
} from './safetensors-dtypes.js';
export { SafetensorsError } from './safetensors-error.js';
export {
  MAX_SAFETENSORS_HEADER_BYTES,
  METADATA_KEY,
  type SafetensorsHeader,
  type SafetensorsHeaderEntry,
} from './safetensors-header.js';
export {
  type SerializeSafetensorsOptions,
  saveSafetensors,
  serializeSafetensors,
  type TensorDict,
} from './safetensors-writer.js';
export { attachPath, isStorageError, storageErrorMessage } from './storage-error.js';
export * from './tfjs-import/index.js';
export {
  disposeAll,
  type LoadTorchStateDictOptions,
  loadTorchStateDict,
  type TorchStateDictOptions,
  toTorchStateDict,
} from './torch-state-dict.js';
