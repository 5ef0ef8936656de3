import { STATUS_CODES } from 'node:http';
import type { Answer } from '../answer.js';

/**
 * An answer as the bytes node:http would write for it: its status line, its headers, Date, and
 * whether the connection stays open (with node:http's Keep-Alive hint) or closes.
 */
export class ResponseWriter {
  private second = -1;
  private date = '';
  /** The common answers' bytes, made once a second (their Date changes): by answer, then by `close`. */
  private cached = new Map<Answer, [Buffer, Buffer]>();

  constructor(
    /** node:http's keepAliveTimeout, read when an answer is made (a test may change it). */
    private readonly keepAliveMs: () => number,
    /** Answers used again and again (the 204 of an accepted batch): their bytes are kept. */
    private readonly common: readonly Answer[],
  ) {}

  bytes(answer: Answer, close: boolean): Buffer {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.date = new Date(second * 1000).toUTCString();
      this.cached.clear();
    }
    if (!this.common.includes(answer)) return this.render(answer, close);
    let pair = this.cached.get(answer);
    if (!pair) {
      pair = [this.render(answer, false), this.render(answer, true)];
      this.cached.set(answer, pair);
    }
    return pair[close ? 1 : 0];
  }

  private render(answer: Answer, close: boolean): Buffer {
    let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'unknown'}\r\n`;
    for (const [name, value] of Object.entries(answer.headers)) head += `${name}: ${value}\r\n`;
    head += `Date: ${this.date}\r\n`;
    head += close
      ? 'Connection: close\r\n'
      : `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.keepAliveMs() / 1000)}\r\n`;
    return Buffer.from(`${head}\r\n${answer.body ?? ''}`, 'utf8');
  }
}
