/** The npm `espeak-ng` package (Emscripten build of eSpeak NG) ships no types: what we use of it. */
declare module 'espeak-ng' {
  interface ESpeakNgModule {
    readonly FS: { readFile(path: string): Uint8Array };
  }
  interface ESpeakNgOptions {
    readonly arguments: readonly string[];
    readonly print?: (line: string) => void;
    readonly printErr?: (line: string) => void;
    /** Emscripten's hook: instantiate the wasm ourselves (from a module compiled once). */
    readonly instantiateWasm?: (imports: object, done: (instance: object, module: object) => void) => object;
  }
  export default function ESpeakNg(options: ESpeakNgOptions): Promise<ESpeakNgModule>;
}
