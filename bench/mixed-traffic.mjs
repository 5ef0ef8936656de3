// Batches as a web app's visitors send them: thousands of visitors (each its own address, behind the
// operator's proxy, and User-Agent), a session each, a handful of locales and screens, 200 paths
// (some with a query string to strip), 1 to 4 page views a batch. Where the one-client loads above
// measure the pipeline's fixed cost, this one takes the paths a real day takes: new visitors (a
// keyed hash each), new visits, User-Agents to parse, context fields that change from batch to batch.

/** A small deterministic generator (mulberry32): the same traffic every run. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AGENTS = [
  (v) =>
    `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  (v) =>
    `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.${v % 6} Safari/605.1.15`,
  (v) =>
    `Mozilla/5.0 (iPhone; CPU iPhone OS 17_${v % 6} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1`,
  (v) => `Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  (v) =>
    `Mozilla/5.0 (Linux; Android 14; Pixel ${v % 9}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`,
];

/**
 * `count` requests (body and headers) of `visitors` visitors for app `key`, to be sent in turn.
 * Addresses come in X-Forwarded-For: run the server with TALLY_TRUST_PROXY=1.
 */
export function mixedTraffic(key, { count = 20_000, visitors = 3_000 } = {}) {
  const rnd = random(7);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const agents = Array.from({ length: 60 }, (_, i) => (AGENTS[i % AGENTS.length] ?? AGENTS[0])(100 + i));
  const paths = Array.from({ length: 200 }, (_, i) => `/docs/section-${i % 20}/page-${i}`);
  const people = Array.from({ length: visitors }, (_, i) => ({
    address: `198.51.${(i >> 8) & 255}.${i & 255}`,
    agent: pick(agents),
    context: {
      session: `s-${i}-${Math.floor(rnd() * 1e9)}`,
      locale: pick(['en-US', 'de-DE', 'fr-FR', 'ja-JP', 'pt-BR']),
      screen: pick(['1920x1080', '390x844', '1440x900', '2560x1440']),
      appVersion: '2.3.1',
    },
  }));
  return Array.from({ length: count }, () => {
    const who = pick(people);
    const events = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => ({
      name: 'pageview',
      path: pick(paths) + (rnd() < 0.3 ? '?utm_source=newsletter' : ''),
    }));
    return {
      body: JSON.stringify({ app: key, context: who.context, events }),
      headers: {
        'content-type': 'application/json',
        'user-agent': who.agent,
        'x-forwarded-for': who.address,
      },
      events: events.length,
    };
  });
}
