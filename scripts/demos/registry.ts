/** A demo behind `pnpm demo <name>`: loaded only when chosen, so one demo's imports never slow another. */
export interface Demo {
  readonly summary: string;
  readonly run: (args: readonly string[]) => Promise<number>;
}

/** Every demo by name; `DEFAULT_DEMO` runs for a bare `pnpm demo`. */
export const DEMOS: Readonly<Record<string, Demo>> = {
  nlp: {
    summary:
      'a BERT pretrained on emails learns review sentiment: linear probe vs LoRA, IA3, bottleneck, full (vs no pretraining)',
    run: async (args) => (await import('./nlp/main.js')).nlpDemoMain(args),
  },
  vision: {
    summary:
      'a hospital adapts a digit classifier to its new scanner: zero-shot vs linear probe, LoRA, IA3, bottleneck, full',
    run: async (args) => (await import('./vision/main.js')).visionDemoMain(args),
  },
  robotics: {
    summary:
      'a cart-pole swing-up policy meets a motor half as strong: zero-shot vs head only, LoRA, IA3, bottleneck, full',
    run: async (args) => (await import('./robotics/main.js')).roboticsDemoMain(args),
  },
  speech: {
    summary:
      'a speech recogniser meets a new (synthetic) accent: zero-shot vs LoRA, MMS-style bottleneck, IA3, full',
    run: async (args) => (await import('./speech/main.js')).speechDemoMain(args),
  },
  translation: {
    summary:
      'a small English->German T5 trained on measurements meets date phrases: zero-shot vs LoRA, prefix, prompt tuning, full',
    run: async (args) => (await import('./translation/main.js')).translationDemoMain(args),
  },
};

export const DEFAULT_DEMO = 'nlp';
