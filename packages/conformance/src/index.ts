/** The PEFT conformance matrix (private package; see docs/conformance.md). */
export * from './architectures.js';
export * from './host.js';
export * from './known-failures.js';
export * from './markdown.js';
export * from './methods.js';
export * from './output-shift-plugin.js';
export * from './run-cell.js';
