/** Test helpers shared by the plugin's end-to-end tests (not part of the package's public API). */
export { type CliOutcome, peftkitJson, peftkitRaw, REPO_ROOT } from './run-cli.js';
