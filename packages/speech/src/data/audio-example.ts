import * as path from 'node:path';

/**
 * One raw example of the speech plugin, as every `speech/*` reader produces it. Audio is not
 * held here: a preprocessor decodes `path` when it encodes the example (`decodeAudio(example.path,
 * { targetRate, maxSeconds })`), so a dataset of any size costs a few hundred bytes per clip.
 */
export interface AudioExample {
  /** Absolute path of the audio file (checked to lie inside the dataset folder). */
  readonly path: string;
  /** Class index into the reader's `labels` (classification: keyword, accent, speaker id). */
  readonly label?: number;
  /** What is said (ASR targets: a manifest's transcript/sentence, Common Voice's `sentence`). */
  readonly transcript?: string;
  /** Accent as the source spells it, or its group name when the reader groups accents. */
  readonly accent?: string;
  /** Speaker id (Common Voice `client_id`, Speech Commands' file-name hash, a speaker column). */
  readonly speaker?: string;
  /** Language/locale code when the source has one (Common Voice `locale`). */
  readonly locale?: string;
  /** Length from the file's headers at read time (see `AudioProbe.exact` for MP3 estimates). */
  readonly durationSeconds?: number;
  /** Where the example came from, for messages: `validated.tsv:12` or `yes/0a7c_nohash_0.wav`. */
  readonly source?: string;
  /**
   * Noise recordings for training-time noise augmentation (`augment.noiseProbability`): Speech
   * Commands' `_background_noise_/*.wav`, set by the folder reader; one array shared by all the
   * folder's examples. Without it, augmentation adds white noise.
   */
  readonly noise?: readonly string[];
  /**
   * Samples already decoded at the preprocessor's sampling rate: an uploaded file that
   * `parseBytes` decoded (`peftkit serve`). When present they are used instead of reading
   * `path`, which then only names the upload.
   */
  readonly samples?: Float32Array;
}

/** Media types of the audio `decodeAudio` reads (`parseBytes` of the speech preprocessors). */
export const AUDIO_MEDIA_TYPES: readonly string[] = [
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/vnd.wave',
  'audio/mpeg',
  'audio/mp3',
  'audio/flac',
  'audio/x-flac',
  'audio/ogg',
  'audio/opus',
];

/** Extensions the folder reader collects; formats are still detected from bytes when decoding. */
export const AUDIO_EXTENSIONS = ['.wav', '.wave', '.mp3', '.flac', '.ogg', '.oga', '.opus'] as const;

/** True when the file name has one of `AUDIO_EXTENSIONS` (case-insensitive). */
export function isAudioPath(p: string): boolean {
  return (AUDIO_EXTENSIONS as readonly string[]).includes(path.extname(p).toLowerCase());
}
