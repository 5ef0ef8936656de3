import type { AppRegistry } from './apps.js';
import type { Auth } from './auth/index.js';
import type { Config } from './config.js';
import type { EventStore, MetaStore } from './store/types.js';

/** What route modules and the CLI are given: one object, built once in tally.ts. */
export interface Services {
  config: Config;
  meta: MetaStore;
  events: EventStore;
  apps: AppRegistry;
  auth: Auth;
}
