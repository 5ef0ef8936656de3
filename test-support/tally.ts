import { startTally, type Tally } from '../packages/server/src/index.js';

/** A real collector for a test: its own data folder, a free port on 127.0.0.1, one owner. */
export function startTestTally(dataDir: string): Promise<Tally> {
  return startTally({ dataDir, port: 0, adminEmail: 'a@example.com', adminPassword: 'pw-long-enough' });
}
