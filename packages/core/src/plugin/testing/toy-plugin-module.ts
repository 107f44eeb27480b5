import { toyPlugin } from './toy-plugin.js';

/** The toy plugin as a module file for `peftkit --plugin <file>` in tests that spawn the CLI. */
export default toyPlugin;
