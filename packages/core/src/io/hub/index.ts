export { cachedCommit, hubRepoFolder, writeRef } from './hub-cache.js';
export { downloadHubSnapshot, type HubSnapshot } from './hub-download.js';
export { type HubEnv, hubEnv } from './hub-env.js';
export { isWantedHubFile, missingHubFiles } from './hub-files.js';
export { type HubRef, isCommitHash, parseHubId } from './hub-id.js';
export { hubIdOfSnapshot } from './hub-snapshot-id.js';
export { type ResolveModelPathOptions, resolveModelPath } from './resolve-model-path.js';
