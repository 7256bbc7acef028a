export * from './schema.js';
export { resolveConfig, checkField, flatten } from './validate.js';
export { loadConfigFile, parseJson, parseSet } from './load.js';
