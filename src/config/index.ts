export * from './schema.js';
export * from './fields.js';
export { resolveConfig, checkField, flatten, configFileSchema } from './validate.js';
export { formatIssue, fieldMessage } from './issues.js';
export { keyCatalog, type SchemaCatalog } from './key-catalog.js';
export { loadConfigFile, parseJson, parseSet } from './load.js';
export { differingPaths, describeDifferences } from './diff.js';
