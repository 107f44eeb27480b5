export { buildProgram, runCli } from './main.js';
export { formatKeyValues, printJson } from './output.js';
export { UserError } from './user-error.js';
