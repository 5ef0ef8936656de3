import type { AppRegistry } from '../apps.js';
import { HttpError } from '../http/errors.js';
import type { AppRecord } from '../store/types.js';

/** Step 2: the key names a known, enabled app. 410 tells SDKs to stop sending for this key. */
export function authenticateApp(apps: AppRegistry, key: string): AppRecord {
  const app = apps.get(key);
  if (!app) throw new HttpError(404, 'unknown app key');
  if (app.disabled) throw new HttpError(410, 'this app no longer accepts events');
  return app;
}
