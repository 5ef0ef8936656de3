import { BATCH_PATH } from '../batch-receiver.js';

/**
 * Reads the head of an HTTP/1.x request from the bytes of a connection, strictly, for the one kind
 * of request `socket-ingest` answers itself: `POST /api/v1/events` with a Content-Length. Whatever
 * is not plainly that (another path or method, chunked, `Expect`, `Upgrade`, a doubtful byte or
 * line, a duplicate length) is left to node:http, whose parser has the final word on HTTP: so this
 * never reads a request in a way node:http would not, and never answers one node:http would refuse.
 */

export interface BatchHead {
  /** Bytes of the head, through the blank line: the body starts here. */
  size: number;
  /** The query string with its '?', or null. */
  query: string | null;
  contentLength: number;
  contentType: string | undefined;
  userAgent: string;
  forwardedFor: string | undefined;
  /** The client asked to close the connection after this answer (or HTTP/1.0 did not ask to keep it). */
  close: boolean;
}

/** Not yet the whole head: read on. */
export const INCOMPLETE = 0;
/** Not one for this reader: node:http takes the connection from this request on. */
export const NOT_MINE = 1;

/** node:http's default limit of a head; a larger one is node:http's to refuse (431). */
export const MAX_HEAD = 16 * 1024;
/** More header lines than a batch's client sends: left to node:http. */
const MAX_HEADER_LINES = 64;

const PREFIX = `POST ${BATCH_PATH}`;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

/** RFC 9110 token characters (a header name). */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
/** Bytes a header value may hold: tab, visible ASCII, space, obs-text (read as Latin-1, as Node does). */
const VALUE = new Uint8Array(256);
VALUE[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VALUE[c] = 1;

/** A request target's query: visible ASCII only. */
const QUERY = /^\?[\x21-\x7e]*$/;

/**
 * The head at the start of `buf`, or INCOMPLETE, or NOT_MINE. `maxBody`: a longer declared body is
 * node:http's to refuse (413).
 */
export function readBatchHead(buf: Buffer, maxBody: number): BatchHead | typeof INCOMPLETE | typeof NOT_MINE {
  const end = buf.indexOf(CRLF_CRLF);
  if (end === -1) {
    // A head is never larger, and one that is not ours can be told from its first bytes.
    if (buf.length > MAX_HEAD || !startsLikeBatch(buf)) return NOT_MINE;
    return INCOMPLETE;
  }
  if (end + 4 > MAX_HEAD) return NOT_MINE;
  const lineEnd = buf.indexOf(13); // the first CR: CRLF_CRLF was found, so there is one
  const line = buf.toString('latin1', 0, lineEnd);
  const version = line.slice(-9);
  if (!line.startsWith(PREFIX) || (version !== ' HTTP/1.1' && version !== ' HTTP/1.0')) return NOT_MINE;
  const target = line.slice(PREFIX.length, -9);
  if (target !== '' && !QUERY.test(target)) return NOT_MINE;
  if (buf[lineEnd + 1] !== 10) return NOT_MINE;

  let contentLength: string | undefined;
  let contentType: string | undefined;
  let userAgent: string | undefined;
  let forwardedFor: string | undefined;
  let connection = '';
  let host = false;
  let lines = 0;
  let at = lineEnd + 2;
  while (at < end + 2) {
    if (++lines > MAX_HEADER_LINES) return NOT_MINE;
    // name: a token, then ':' at once (no space before it, no folded line)
    let i = at;
    while (TOKEN[buf[i] as number]) i++;
    if (i === at || buf[i] !== 0x3a) return NOT_MINE;
    const name = buf.toString('latin1', at, i).toLowerCase();
    // value: bytes up to CRLF, without the spaces and tabs around it; a lone CR or LF is not ours
    i++;
    while (buf[i] === 0x20 || buf[i] === 0x09) i++;
    const from = i;
    while (VALUE[buf[i] as number]) i++;
    if (buf[i] !== 13 || buf[i + 1] !== 10) return NOT_MINE;
    let to = i;
    while (to > from && (buf[to - 1] === 0x20 || buf[to - 1] === 0x09)) to--;
    at = i + 2;
    switch (name) {
      case 'content-length':
        if (contentLength !== undefined) return NOT_MINE;
        contentLength = buf.toString('latin1', from, to);
        break;
      case 'content-type':
        if (contentType !== undefined) return NOT_MINE;
        contentType = buf.toString('latin1', from, to);
        break;
      case 'user-agent':
        if (userAgent !== undefined) return NOT_MINE;
        userAgent = buf.toString('latin1', from, to);
        break;
      case 'x-forwarded-for': {
        const value = buf.toString('latin1', from, to);
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        break;
      }
      case 'connection':
        connection += `,${buf.toString('latin1', from, to).toLowerCase()}`;
        break;
      case 'host':
        host = true;
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return NOT_MINE;
    }
  }
  const http10 = version === ' HTTP/1.0';
  if ((!host && !http10) || contentLength === undefined || !/^\d{1,15}$/.test(contentLength)) return NOT_MINE;
  const length = Number(contentLength);
  if (length > maxBody) return NOT_MINE;
  const tokens = connection.split(',').map((t) => t.trim());
  if (tokens.includes('upgrade')) return NOT_MINE;
  return {
    size: end + 4,
    query: target === '' ? null : target,
    contentLength: length,
    contentType,
    userAgent: userAgent ?? '',
    forwardedFor,
    close: tokens.includes('close') || (http10 && !tokens.includes('keep-alive')),
  };
}

/** Whether the bytes so far could begin a batch's request line. */
function startsLikeBatch(buf: Buffer): boolean {
  const n = Math.min(buf.length, PREFIX.length);
  return buf.toString('latin1', 0, n) === PREFIX.slice(0, n);
}
