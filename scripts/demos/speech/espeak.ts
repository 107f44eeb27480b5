import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import ESpeakNg from 'espeak-ng';

/** The English accents of this espeak-ng build (`--voices=en`, its mbrola voices stripped). */
export const ENGLISH_VOICES: readonly string[] = [
  'en-gb',
  'en-gb-scotland',
  'en-gb-x-gbclan',
  'en-gb-x-gbcwmd',
  'en-gb-x-rp',
  'en-us',
  'en-us-nyc',
  'en-029',
];

/** One synthetic speaker: an eSpeak NG voice (the accent) with its own pitch and rate. */
export interface EspeakVoice {
  /** eSpeak NG voice name, e.g. `en-gb`, `en-gb-scotland`, `en-us`, `en-029`. */
  readonly voice: string;
  /** Base pitch 0-99 (eSpeak's `-p`, default 50). */
  readonly pitch?: number;
  /** Words per minute (eSpeak's `-s`, default 175). */
  readonly speed?: number;
}

/** Node's WebAssembly global (the repository's `lib` settings do not declare it). */
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      compile(bytes: Uint8Array): Promise<object>;
      instantiate(module: object, imports: object): Promise<object>;
    };
  }
).WebAssembly;

/** The espeak-ng wasm module (18 MB, voices embedded), compiled once per process. */
let compiled: Promise<object> | undefined;

function espeakModule(): Promise<object> {
  compiled ??= (async () => {
    const wasm = createRequire(import.meta.url).resolve('espeak-ng/dist/espeak-ng.wasm');
    return wasmApi.compile(await fs.readFile(wasm));
  })();
  return compiled;
}

/**
 * Speaks `text` with eSpeak NG compiled to WebAssembly (npm `espeak-ng`, GPL-3.0: a
 * devDependency of the scripts package only, never shipped) and returns the WAV file it writes
 * (16-bit mono, 22,050 Hz). Each call runs a fresh instance (the build's `main` runs once per
 * instance) of a module compiled once per process: ~0.33 s a clip instead of ~1 s when every
 * call compiled the 18 MB module again.
 */
export async function synthesizeWav(text: string, speaker: EspeakVoice): Promise<Uint8Array> {
  // eSpeak silently falls back to its default voice for a name it does not know.
  if (!ENGLISH_VOICES.includes(speaker.voice)) {
    throw new Error(`synthesizeWav: unknown voice '${speaker.voice}' (known: ${ENGLISH_VOICES.join(', ')})`);
  }
  if (!/^[\p{L}\p{N} ,.'?!-]+$/u.test(text))
    throw new Error(`synthesizeWav: unsupported characters in '${text}'`);
  const args = ['-w', 'out.wav', '-v', speaker.voice];
  if (speaker.pitch !== undefined) args.push('-p', String(Math.round(speaker.pitch)));
  if (speaker.speed !== undefined) args.push('-s', String(Math.round(speaker.speed)));
  const messages: string[] = [];
  const wasmModule = await espeakModule();
  // A failed instantiation would leave the module's promise pending forever: race it.
  let failed: (err: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  const module = await Promise.race([
    failure,
    ESpeakNg({
      arguments: [...args, text],
      instantiateWasm: (imports, done) => {
        wasmApi.instantiate(wasmModule, imports).then((instance) => done(instance, wasmModule), failed);
        return {};
      },
      print: (line: string) => messages.push(line),
      printErr: (line: string) => messages.push(line),
    }),
  ]);
  let wav: Uint8Array;
  try {
    wav = module.FS.readFile('out.wav');
  } catch {
    throw new Error(`espeak-ng wrote no audio for voice '${speaker.voice}': ${messages.join(' ').trim()}`);
  }
  return wav;
}
