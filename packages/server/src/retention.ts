import type { AppRegistry } from './apps.js';
import type { EventStore } from './store/types.js';

const DAY = 86_400_000;

/** Deletes each app's events older than its retention period; returns how many went. */
export async function enforceRetention(apps: AppRegistry, events: EventStore, now: number): Promise<number> {
  let deleted = 0;
  for (const app of apps.list()) {
    if (app.retentionDays) deleted += await events.deleteBefore(app.id, now - app.retentionDays * DAY);
  }
  return deleted;
}
