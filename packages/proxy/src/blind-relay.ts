// The book's dumb proxy: a blind relay that knows one HTTP request per
// connection and nothing about persistence.
//
// It reads just enough to find where the first request ends (the blank line,
// then Content-Length bytes of body), forwards those bytes unchanged,
// Connection headers included, and relays the response back byte for byte
// until the server closes; then it closes the client side. It does not expect
// a second request on the same connection: bytes the client sends after the
// first request are read and dropped. When a `Connection: Keep-Alive` has
// passed through it in both directions, client and server each believe the
// connection persists, the server never closes, and the client's next request
// goes nowhere.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ProxyError } from './errors.js';
import { Listener } from './listener.js';

/** Where a relay forwards to. */
export interface Upstream {
  host: string;
  port: number;
}

export interface BlindRelayOptions {
  /** The server every connection is relayed to. */
  upstream: Upstream;
  /** Give up on a request head longer than this (bytes); default 64 KiB. */
  maxHeadBytes?: number;
}

/** What happened on one client connection, for lessons and tests. */
export interface RelayConnectionStats {
  id: number;
  /** Bytes of the first request forwarded to the server. */
  forwardedBytes: number;
  /** Bytes the client sent after its first request, which the relay dropped. */
  ignoredBytes: number;
  /** Response bytes relayed back to the client. */
  relayedBytes: number;
  /** True once the server closed its side (the only thing that ends the relay's wait). */
  serverClosed: boolean;
  /** True once the client side is closed. */
  clientClosed: boolean;
  openedAt: number;
  /** performance.now() when the server closed, if it did. */
  serverClosedAt?: number;
  /** Why the relay gave up on this connection, if it did. */
  error?: ProxyError;
}

interface RelayEvents {
  /** Bytes after the first request were dropped on this connection. */
  ignored: [stats: RelayConnectionStats, bytes: number];
  /** Emitted only when someone listens; the error is also kept in the connection's stats. */
  error: [error: ProxyError];
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Content-Length of a request head, or 0; chunked bodies are relayed until the client stops. */
function bodyLength(head: string): number | 'unknown' {
  if (/^transfer-encoding:/im.test(head)) return 'unknown';
  const m = /^content-length:[ \t]*(\d+)[ \t]*$/im.exec(head);
  return m ? Number(m[1]) : 0;
}

/**
 * A dumb proxy. `listen()` it, point a client at it, and watch `stats()`.
 *
 * @example
 * const relay = new BlindRelay({ upstream: { host: '127.0.0.1', port: 8080 } });
 * const { port } = await relay.listen();
 * // send a request with `Connection: Keep-Alive` to port; the second request hangs
 * await relay.close();
 */
export class BlindRelay extends EventEmitter<RelayEvents> {
  readonly upstream: Upstream;
  private readonly maxHeadBytes: number;
  private readonly listener: Listener;
  private readonly table: RelayConnectionStats[] = [];
  private nextId = 1;

  constructor(options: BlindRelayOptions) {
    super();
    this.upstream = options.upstream;
    this.maxHeadBytes = options.maxHeadBytes ?? 64 * 1024;
    this.listener = new Listener((client) => this.relay(client));
  }

  /** Listen on 127.0.0.1 (port 0 by default) and resolve with the bound address. */
  listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    return this.listener.listen(port, host);
  }

  /** One entry per client connection so far, oldest first. */
  stats(): readonly RelayConnectionStats[] {
    return this.table;
  }

  /** Stop accepting and destroy every open socket. */
  close(): Promise<void> {
    return this.listener.close();
  }

  private fail(stats: RelayConnectionStats, error: ProxyError): void {
    stats.error ??= error;
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private relay(client: net.Socket): void {
    const stats: RelayConnectionStats = {
      id: this.nextId++,
      forwardedBytes: 0,
      ignoredBytes: 0,
      relayedBytes: 0,
      serverClosed: false,
      clientClosed: false,
      openedAt: performance.now(),
    };
    this.table.push(stats);
    const { host, port } = this.upstream;
    const server = net.connect({ host, port, allowHalfOpen: true });
    this.listener.track(server);

    let head = Buffer.alloc(0);
    let bodyLeft: number | 'unknown' | undefined; // undefined until the head is complete
    let done = false; // the first request has been forwarded

    const forward = (bytes: Buffer): void => {
      if (bytes.length === 0) return;
      stats.forwardedBytes += bytes.length;
      server.write(bytes);
    };
    const ignore = (bytes: Buffer): void => {
      if (bytes.length === 0) return;
      stats.ignoredBytes += bytes.length;
      this.emit('ignored', stats, bytes.length);
    };

    client.on('data', (chunk: Buffer) => {
      if (done) return ignore(chunk);
      if (bodyLeft === undefined) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(CRLFCRLF);
        if (end < 0) {
          if (head.length > this.maxHeadBytes) {
            this.fail(
              stats,
              new ProxyError(
                'PROXY_BAD_REQUEST',
                `blind relay: request head from client #${stats.id} exceeds ${this.maxHeadBytes} bytes (maxHeadBytes)`,
              ),
            );
            client.destroy();
            server.destroy();
          }
          return;
        }
        const headEnd = end + CRLFCRLF.length;
        bodyLeft = bodyLength(head.subarray(0, headEnd).toString('latin1'));
        forward(head.subarray(0, headEnd));
        chunk = head.subarray(headEnd);
        head = Buffer.alloc(0);
      }
      if (bodyLeft === 'unknown') return forward(chunk);
      const take = Math.min(bodyLeft, chunk.length);
      forward(chunk.subarray(0, take));
      bodyLeft -= take;
      if (bodyLeft === 0) {
        done = true;
        ignore(chunk.subarray(take));
      }
    });

    server.on('data', (chunk: Buffer) => {
      stats.relayedBytes += chunk.length;
      client.write(chunk);
    });
    // Only the server's close ends the relay's wait: then the client side is closed too.
    server.on('end', () => {
      stats.serverClosed = true;
      stats.serverClosedAt = performance.now();
      client.end();
    });
    server.on('close', () => {
      if (!stats.serverClosed) client.destroy();
    });
    server.on('error', (error: NodeJS.ErrnoException) => {
      this.fail(
        stats,
        new ProxyError('PROXY_UPSTREAM', `blind relay: upstream ${host}:${port} for client #${stats.id}: ${error.code ?? error.message}`, {
          cause: error,
        }),
      );
    });
    client.on('end', () => {
      // The client finished sending; a relay passes the half-close on.
      if (bodyLeft === 'unknown') server.end();
    });
    client.on('close', () => {
      stats.clientClosed = true;
      server.destroy();
    });
    client.on('error', () => undefined); // a reset client is just a closed one here
  }
}
