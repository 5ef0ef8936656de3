import type { IncomingMessage } from 'node:http';

/** The client address: the socket's, or the first X-Forwarded-For hop when the proxy is trusted.
 * Used in memory to count visitors and limit floods; never stored. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = req.headers['x-forwarded-for'];
    const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? '';
}
