export { batchesOf, randomId } from './batch.js';
export { BUILTIN_EVENTS, LIMITS } from './builtin.js';
export { defineContract, isContract } from './define.js';
export { renderUsageDocs } from './docs.js';
export * from './types.js';
export type { Validated, ValidatedContext } from './validate.js';
export { anonymizeProps, cleanPath, isText, validateContext, validateEvent } from './validate.js';
