import type { Socket } from 'node:net';
import type { Answer } from '../answer.js';
import type { BatchReceiver } from '../batch-receiver.js';
import { addressFrom } from '../client.js';
import { type BatchHead, INCOMPLETE, NOT_MINE, readBatchHead } from './request-head.js';
import type { ResponseWriter } from './response.js';

export interface ConnectionOptions {
  receiver: BatchReceiver;
  writer: ResponseWriter;
  maxBody: number;
  trustProxy: number;
  /** Gives the connection to node:http, from the request that is not a batch's on. */
  handOver(socket: Socket): void;
  /** The server is stopping: every answer closes its connection. */
  stopping(): boolean;
  /** The connection is no longer this reader's (closed, or handed over). */
  released(connection: Connection): void;
}

/**
 * Batches a client may send ahead of their answers (pipelined) before it is read no further; it is
 * not read either while answers wait to be sent (a client that does not read its answers).
 */
const MAX_AHEAD = 32;

/** An answer's place in the connection's order: filled when its batch is answered. */
interface Slot {
  answer: Answer | null;
  close: boolean;
}

/**
 * One connection whose requests are batches, read straight off the socket: a request's bytes,
 * its head read strictly (request-head.ts), its body gathered to its length, then BatchReceiver;
 * answers written in request order (a client may send several before the first is answered), each
 * once every event it accepted is durable. From the first request that is not plainly a batch's,
 * node:http takes the connection over, those bytes and all after them (after the answers owed).
 */
export class Connection {
  /** Bytes read and not yet used: the start of the next request. */
  private chunks: Buffer[] = [];
  private size = 0;
  /** The head of the request whose body is being gathered. */
  private head: BatchHead | null = null;
  /** That request's client address, and its refusal before its body (415, 429), if any. */
  private address = '';
  private refused: Answer | null = null;
  private readonly queue: Slot[] = [];
  /** When the request being read began (0: between requests); when the connection last did anything. */
  requestStartedAt = 0;
  lastActiveAt = Date.now();
  /** Reading is over: the client ended, or an answer closed, or node:http is to take over. */
  private done: 'ended' | 'closing' | 'handing-over' | null = null;
  /** Reading is paused: too many answers owed, or not yet sent (see MAX_AHEAD). */
  private paused = false;

  private readonly onData = (chunk: Buffer) => this.read(chunk);
  private readonly onEnd = () => this.clientEnded();
  private readonly onClose = () => this.options.released(this);
  private readonly onError = () => {}; // a reset: 'close' follows, and nothing is owed to a gone client
  private readonly onDrain = () => this.readOnOrEnd();

  constructor(
    readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    socket.on('drain', this.onDrain);
  }

  /** No request half-read and no answer owed: it may be closed without losing anything. */
  get idle(): boolean {
    return this.requestStartedAt === 0 && this.queue.length === 0;
  }

  /** Whether the request being read waits for its head (else: for its body). */
  get awaitingHead(): boolean {
    return this.head === null;
  }

  private read(chunk: Buffer): void {
    if (this.done) return;
    const now = Date.now();
    this.lastActiveAt = now;
    if (this.requestStartedAt === 0) this.requestStartedAt = now;
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.take(now);
  }

  /** Whether requests are taken from the bytes read (after the client's end too: those it sent before). */
  private get taking(): boolean {
    return (this.done === null || this.done === 'ended') && !this.paused;
  }

  /** Takes every whole request from the bytes read, in order. */
  private take(now: number): void {
    while (this.size > 0 && this.taking) {
      if (this.head === null) {
        const bytes = this.joined();
        const head = readBatchHead(bytes, this.options.maxBody);
        if (head === INCOMPLETE) return;
        if (head === NOT_MINE) {
          this.handOver();
          return;
        }
        this.head = head;
        this.address = addressFrom(head.forwardedFor, this.socket.remoteAddress, this.options.trustProxy);
        this.refused = this.options.receiver.refuse(head.contentType, this.address);
      }
      const head = this.head;
      if (this.size < head.size + head.contentLength) return;
      const bytes = this.joined();
      const body = bytes.subarray(head.size, head.size + head.contentLength);
      const rest = bytes.subarray(head.size + head.contentLength);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
      this.head = null;
      this.requestStartedAt = rest.length ? now : 0;
      this.answer(head, body);
      if (head.close)
        this.done = 'closing'; // what comes after it is not read
      else if (this.queue.length >= MAX_AHEAD || this.socket.writableNeedDrain) {
        this.paused = true;
        this.socket.pause();
      }
    }
  }

  /** The bytes read so far as one buffer (usually they came as one). */
  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] as Buffer;
  }

  private answer(head: BatchHead, body: Buffer): void {
    const slot: Slot = { answer: null, close: head.close };
    this.queue.push(slot);
    const settle = (answer: Answer) => {
      slot.answer = answer;
      this.flush();
    };
    if (this.refused) settle(this.refused);
    else this.options.receiver.receive(body, head.query, this.address, head.userAgent, settle);
  }

  /** Writes the answers ready at the front of the queue, in order; then whatever waited on them. */
  private flush(): void {
    const { socket, queue } = this;
    const stopping = this.options.stopping();
    while (queue.length && (queue[0] as Slot).answer) {
      const slot = queue.shift() as Slot;
      if (!socket.writable) {
        queue.length = 0;
        return;
      }
      const close = slot.close || stopping;
      socket.write(this.options.writer.bytes(slot.answer as Answer, close));
      if (close) {
        this.done = 'closing';
        queue.length = 0;
        socket.end();
        return;
      }
    }
    if (queue.length) return;
    this.lastActiveAt = Date.now();
    if (this.done === 'handing-over') {
      this.giveAway();
      return;
    }
    this.readOnOrEnd();
  }

  /** Reads on after a pause; a client that ended, once nothing is owed to it, is let go. */
  private readOnOrEnd(): void {
    this.readOn();
    if (this.done === 'ended' && !this.queue.length && !this.paused) this.socket.end();
  }

  /** Reads on after a pause, once its answers are owed no more and sent. */
  private readOn(): void {
    const over = this.done === 'closing' || this.done === 'handing-over';
    if (!this.paused || over || this.queue.length || this.socket.writableNeedDrain) return;
    this.paused = false;
    this.socket.resume();
    this.take(Date.now());
  }

  /** The client sent its last bytes: the connection ends once the answers owed are written. */
  private clientEnded(): void {
    if (this.done === 'handing-over') return; // node:http's to end, with the request it is given
    if (!this.done) this.done = 'ended';
    this.readOnOrEnd();
  }

  /**
   * Past node:http's time for a head or a body: it answers 408 and closes, as node:http does, or
   * with answers still owed (they would come after it), just closes.
   */
  timeOut(): void {
    this.done = 'closing';
    if (this.queue.length) this.socket.destroy();
    else this.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  }

  /** node:http takes the connection from the request at the front of the bytes read, once nothing is owed. */
  private handOver(): void {
    this.done = 'handing-over';
    this.socket.pause();
    if (this.queue.length === 0) this.giveAway();
  }

  private giveAway(): void {
    const { socket } = this;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
    socket.off('drain', this.onDrain);
    this.options.released(this);
    if (this.size) socket.unshift(this.joined());
    this.chunks = [];
    this.size = 0;
    this.options.handOver(socket);
    socket.resume();
  }
}
