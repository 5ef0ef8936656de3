export { type Config, loadConfig } from './config.js';
export type { AppRecord, EventRow, EventStore, MetaStore } from './store/types.js';
export { startTally, type Tally, type TallyOptions } from './tally.js';
