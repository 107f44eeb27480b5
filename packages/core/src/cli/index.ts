export { type CapturedOutput, captureOutput } from './capture-output.js';
export type { RunCliOptions } from './context.js';
export { buildProgram, runCli } from './main.js';
export { formatKeyValues, formatTable, printJson } from './output.js';
