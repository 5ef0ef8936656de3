import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTally } from '../src/index.js';
import { cleanup, tempDir } from './support/harness.js';

const ADDRESS = '198.51.100.234';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) DistinctiveAgent/9.8.7-zqxj Chrome/120.0';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Reads every byte under the data dir and looks for the strings, as UTF-8 and as UTF-16. */
function occurrences(dir: string, needles: string[]): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const n of needles)
      if (bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(Buffer.from(n, 'utf16le')))
        found.push(`${n} in ${file}`);
  }
  return found;
}

describe('no raw identifiers at rest', () => {
  const dir = tempDir();
  afterAll(() => cleanup(dir));

  it('[R10] neither the client address nor the User-Agent occurs anywhere in TALLY_DATA_DIR', async () => {
    const tally = await startTally({
      dataDir: dir,
      port: 0,
      trustProxy: true,
      adminEmail: 'a@example.com',
      adminPassword: 'pw-long-enough',
    });
    const app = await tally.createApp({ name: 'privacy' });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${tally.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-forwarded-for': ADDRESS, 'user-agent': USER_AGENT },
        body: JSON.stringify({
          app: app.key,
          context: { locale: 'en-US', screen: '1920x1080' },
          events: [{ name: 'pageview', path: `/p${i}` }],
        }),
      });
      expect(res.status).toBe(204);
    }
    const [row] = await tally.services.events.all<{ visitors: bigint; browser: string; os: string }>(
      'SELECT count(DISTINCT visitor) AS visitors, any_value(browser) AS browser, any_value(os) AS os FROM events',
    );
    // Counted as one visitor with coarse fields only.
    expect(Number(row?.visitors)).toBe(1);
    expect(row?.browser).toBe('Chrome');
    expect(row?.os).toBe('Linux');
    // While running (write-ahead log) and after a clean shutdown (checkpointed file).
    expect(occurrences(dir, [ADDRESS, 'DistinctiveAgent', '9.8.7-zqxj'])).toEqual([]);
    await tally.close();
    expect(occurrences(dir, [ADDRESS, 'DistinctiveAgent', '9.8.7-zqxj'])).toEqual([]);
  });
});
