/** A demo behind `pnpm demo <name>`: loaded only when chosen, so one demo's imports never slow another. */
export interface Demo {
  readonly summary: string;
  readonly run: (args: readonly string[]) => Promise<number>;
}

/** Every demo by name. Add `nlp` here when it lands (and make it the default in `DEFAULT_DEMO`). */
export const DEMOS: Readonly<Record<string, Demo>> = {
  vision: {
    summary:
      'a hospital adapts a digit classifier to its new scanner: zero-shot vs linear probe, LoRA, IA3, bottleneck, full',
    run: async (args) => (await import('./vision/main.js')).visionDemoMain(args),
  },
};

export const DEFAULT_DEMO = 'vision';
