export { pluginIdOf, type ScaffoldResult, scaffoldPlugin } from './new-plugin.js';
export { PLUGIN_TEMPLATE } from './plugin-template.js';
