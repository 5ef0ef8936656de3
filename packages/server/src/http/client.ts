import type { IncomingMessage } from 'node:http';

/**
 * The client address: the socket's, or with `trustedHops` proxies of the operator's in front, the
 * X-Forwarded-For entry that many hops from the right. Entries further left are written by whoever
 * sent the request, so taking the first one would let a client pick its own address (and slip past
 * its rate limit). Used in memory to count visitors and limit floods; never stored.
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  if (trustedHops > 0) {
    const fwd = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(fwd) ? fwd.join(',') : (fwd ?? ''))
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const client = hops[Math.max(0, hops.length - trustedHops)];
    if (client) return client;
  }
  return req.socket.remoteAddress ?? '';
}
