import { createPeftkit, listPeftMethods, type PeftkitHost } from '@peftkit/core';
import tabularPlugin from '@peftkit/example-plugin-tabular';
import { nlpPlugin } from '@peftkit/nlp/plugin';
import { roboticsPlugin } from '@peftkit/robotics/plugin';
import { visionPlugin } from '@peftkit/vision/plugin';
import { outputShiftPlugin } from './output-shift-plugin.js';

/**
 * The host the matrix runs in: the domain plugins that exist (nlp, vision, robotics; speech has
 * none yet, its architectures come from its package), the tabular example plugin (its
 * architecture and its FEATURE_AFFINE method) and the matrix's own OUTPUT_SHIFT plugin. Strict:
 * a plugin that fails to load fails the suite.
 */
export function createConformanceHost(): Promise<PeftkitHost> {
  return createPeftkit({
    plugins: [nlpPlugin, visionPlugin, roboticsPlugin, tabularPlugin, outputShiftPlugin],
    strict: true,
  });
}

/** Every method the matrix runs: the built-ins (`listPeftMethods()`) and the plugin-contributed ones. */
export function matrixMethods(host: PeftkitHost): string[] {
  const builtIn = listPeftMethods();
  return [
    ...builtIn,
    ...host.methods
      .ids()
      .filter((t) => !builtIn.includes(t))
      .sort(),
  ];
}
