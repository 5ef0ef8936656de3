import Bowser from 'bowser';
import { RecentMap } from '../recent-map.js';

export interface Agent {
  os: string | null;
  osVersion: string | null;
  browser: string | null;
  device: string | null;
}

/** Recently seen User-Agents, least recently used out first: a flood of new ones (each parse costs
 * tens of µs) does not push out the few that most requests carry. */
const cache = new RecentMap<string, Agent>(2000);

/** Step 4a: the User-Agent becomes coarse os/browser/device, then the raw string is dropped. */
export function parseUserAgent(ua: string | undefined): Agent {
  if (!ua) return { os: null, osVersion: null, browser: null, device: null };
  return cache.getOrMake(ua, parsed);
}

function parsed(ua: string): Agent {
  const p = Bowser.parse(ua.slice(0, 512));
  return {
    os: p.os.name || null,
    osVersion: p.os.version || null,
    browser: p.browser.name || null,
    device: p.platform.type || null,
  };
}
