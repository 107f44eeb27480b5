/**
 * @peftkit/core: the domain-free PEFT engine. Everything users and plugins may touch is exported
 * from here.
 */

export { type CapturedOutput, captureOutput, type RunCliOptions, runCli } from './cli/index.js';
export * from './common/index.js';
export * from './io/index.js';
export * from './nn/index.js';
export * from './peft/index.js';
export * from './plugin/index.js';
export * from './runtime/index.js';
export * from './serve/index.js';
export * from './train/index.js';
