import type { IncomingMessage } from 'node:http';

/**
 * The client address: the socket's, or with `trustedHops` proxies of the operator's in front, the
 * X-Forwarded-For entry that many hops from the right. Entries further left are written by whoever
 * sent the request, so taking the first one would let a client pick its own address (and slip past
 * its rate limit). Used in memory to count visitors and limit floods; never stored.
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  return addressFrom(req.headers['x-forwarded-for'], req.socket.remoteAddress, trustedHops);
}

/** `clientAddress` from the X-Forwarded-For header(s) and the socket's address, as they were read. */
export function addressFrom(
  forwardedFor: string | string[] | undefined,
  socketAddress: string | undefined,
  trustedHops: number,
): string {
  if (trustedHops > 0) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const client = hops[Math.max(0, hops.length - trustedHops)];
    if (client) return client;
  }
  return socketAddress ?? '';
}

/** An IPv4 address written inside IPv6 (`::ffff:203.0.113.9`, as a dual-stack socket reports one). */
const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;
const HEXTET = /^[0-9a-f]{1,4}$/i;

/**
 * The first four groups of an IPv6 address (its /64), each as lowercase hex without leading zeros,
 * or null for text that is no IPv6 address.
 */
function prefix64(address: string): string[] | null {
  const text = address.split('%', 1)[0] as string; // a zone (`fe80::1%eth0`) is no part of it
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string | undefined) => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  // An IPv4 tail (`64:ff9b::192.0.2.1`) stands for the last two groups.
  const last = tail.length ? tail : head;
  const v4Tail = last.length > 0 && (last[last.length - 1] as string).includes('.');
  const hex = v4Tail ? [...head, ...tail].slice(0, -1) : [...head, ...tail];
  if (!hex.every((g) => HEXTET.test(g))) return null;
  const count = head.length + tail.length + (v4Tail ? 1 : 0);
  if (halves.length === 1 ? count !== 8 : count > 7) return null;
  const full = [...head, ...Array(8 - count).fill('0'), ...tail];
  return full.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16));
}

/**
 * What a client's rate limits count under: its IPv4 address, or the /64 its IPv6 address is in.
 * A home or a server is given a /64 at the least and may use any address in it, a new one each
 * request if it likes: counted by address, one client would get a fresh limit every time and take
 * an app's whole budget. (The visitor hash still takes the whole address.)
 */
export function limitKey(address: string): string {
  if (!address.includes(':')) return address;
  const v4 = MAPPED_V4.exec(address);
  if (v4) return v4[1] as string;
  const groups = prefix64(address);
  return groups ? `${groups.join(':')}::/64` : address;
}
