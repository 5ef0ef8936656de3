import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ACCEPTED, type BatchReceiver } from '../batch-receiver.js';
import { Connection } from './connection.js';
import { ResponseWriter } from './response.js';

/**
 * Batches straight off the socket, node:http for the rest. Most of a collector's requests are
 * single batches on keep-alive connections, and node:http's own work for each (the request and
 * response objects, their streams, the header objects) was about a third of what the request
 * thread spent on one: at a fixed 8,000 single-event batches a second, 51–58 µs a batch through
 * node:http, 36–37 µs read here (3 alternating runs). A connection starts here; node:http gets it,
 * for good, from its first request that is not plainly a batch's (request-head.ts), so every other
 * request (and every doubtful one) meets node:http as before.
 *
 * Takes over the server's 'connection' listener: node:http's own is called with what it is given.
 * Keeps node:http's limits for the connections it holds: the server's headersTimeout,
 * requestTimeout and keepAliveTimeout, its largest head, and the body limit of ingest.
 */
export class SocketIngest {
  private readonly connections = new Set<Connection>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly server: Server,
    receiver: BatchReceiver,
    options: {
      maxBody: number;
      trustProxy: number;
      /** The server is stopping: new connections go to node:http, every answer closes its own. */
      stopping: () => boolean;
    },
  ) {
    const listeners = server.listeners('connection');
    if (listeners.length !== 1)
      throw new Error(`expected node:http's one 'connection' listener, found ${listeners.length}`);
    const viaHttp = listeners[0] as (socket: Socket) => void;
    server.removeAllListeners('connection');
    const writer = new ResponseWriter(() => server.keepAliveTimeout, [ACCEPTED]);
    const connectionOptions = {
      receiver,
      writer,
      ...options,
      handOver: (socket: Socket) => viaHttp.call(server, socket),
      released: (c: Connection) => this.connections.delete(c),
    };
    server.on('connection', (socket: Socket) => {
      if (options.stopping()) return viaHttp.call(server, socket);
      this.connections.add(new Connection(socket, connectionOptions));
    });
    // node:http checks its own connections' times every 30 s by default; these, every second.
    this.sweep = setInterval(() => this.expire(Date.now()), 1000).unref();
  }

  private expire(now: number): void {
    const { headersTimeout, requestTimeout, keepAliveTimeout } = this.server;
    for (const c of this.connections) {
      if (c.requestStartedAt) {
        const limit = c.awaitingHead ? headersTimeout : requestTimeout;
        if (limit > 0 && now - c.requestStartedAt > limit) c.timeOut();
      } else if (c.idle && now - c.lastActiveAt > keepAliveTimeout) c.socket.destroy();
    }
  }

  /** Once the server is stopping: the idle connections close at once, and times are no longer kept. */
  stop(): void {
    clearInterval(this.sweep);
    this.closeIdle();
  }

  closeIdle(): void {
    for (const c of this.connections) if (c.idle) c.socket.destroy();
  }

  closeAll(): void {
    for (const c of this.connections) c.socket.destroy();
  }
}
