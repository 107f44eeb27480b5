/**
 * @peftkit/core: the domain-free PEFT engine. Everything users and plugins may touch is exported
 * from here.
 */

export * from './io/index.js';
export * from './nn/index.js';
export * from './runtime/index.js';
export * from './train/index.js';
export * from './peft/index.js';
