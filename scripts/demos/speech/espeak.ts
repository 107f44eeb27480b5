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

/**
 * Speaks `text` with eSpeak NG compiled to WebAssembly (npm `espeak-ng`, GPL-3.0: a
 * devDependency of the scripts package only, never shipped) and returns the WAV file it writes
 * (16-bit mono, 22,050 Hz). Each call instantiates the module afresh (~200-400 ms): the build
 * keeps no state between calls worth reusing.
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
  const module = await ESpeakNg({
    arguments: [...args, text],
    print: (line: string) => messages.push(line),
    printErr: (line: string) => messages.push(line),
  });
  let wav: Uint8Array;
  try {
    wav = module.FS.readFile('out.wav');
  } catch {
    throw new Error(`espeak-ng wrote no audio for voice '${speaker.voice}': ${messages.join(' ').trim()}`);
  }
  return wav;
}
