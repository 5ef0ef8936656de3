import Bowser from 'bowser';

export interface Agent {
  os: string | null;
  osVersion: string | null;
  browser: string | null;
  device: string | null;
}

const cache = new Map<string, Agent>();
const CACHE_MAX = 2000;

/** Step 4a: the User-Agent becomes coarse os/browser/device, then the raw string is dropped. */
export function parseUserAgent(ua: string | undefined): Agent {
  if (!ua) return { os: null, osVersion: null, browser: null, device: null };
  const hit = cache.get(ua);
  if (hit) return hit;
  const p = Bowser.parse(ua.slice(0, 512));
  const agent: Agent = {
    os: p.os.name || null,
    osVersion: p.os.version || null,
    browser: p.browser.name || null,
    device: p.platform.type || null,
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ua, agent);
  return agent;
}
