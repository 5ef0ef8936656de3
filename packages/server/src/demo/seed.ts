import type { Services } from '../services.js';
import { adminContract, backendContract, desktopContract } from './contracts.js';
import { generate, type Profile } from './generate.js';

/** Creates the three demo apps with 60 days of generated usage, so that the 30-day view has a previous period to compare with (first start of `npm start`). */
export async function seedDemo(s: Services, end: number): Promise<void> {
  const apps: Array<[string, typeof backendContract, Profile, number]> = [
    ['Acme Commerce backend', backendContract, 'backend', 60],
    ['Acme Admin', adminContract, 'admin', 90],
    ['Laserforge (desktop)', desktopContract, 'desktop', 120],
  ];
  let seed = 1;
  for (const [name, contract, profile, perDay] of apps) {
    const app = await s.apps.create(name, contract);
    const writes: Promise<void>[] = [];
    generate({ profile, appId: app.id, days: 60, end, perDay, seed: seed++ }, (rows) =>
      writes.push(s.events.append(rows)),
    );
    await Promise.all(writes);
  }
}
