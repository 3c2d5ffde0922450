// The TCP echo server (RFC 862 §2: "Once a connection is established any data
// received is sent back"). Two paths per connection:
//  - lean (no readSize): echo each chunk as it comes, pause reading while the
//    peer is not draining our writes. Same work per chunk as socket.pipe(socket);
//    without hooks, less (see leanRead): the kernel reads into a buffer the
//    connection keeps, and that very memory is written back.
//  - paced (readSize): consume at most readSize bytes per read, like the notes'
//    recv(16), so a learner sees a message arrive in small pieces.
import net from 'node:net';
import type { EchoEndpoint } from './errors.js';
import { EchoListenError, checkMs, checkPort, checkPositiveInt, errnoOf } from './errors.js';

/** Who a connection came from, passed to the hooks. */
export interface EchoConnectionInfo {
  /** 1, 2, 3… in accept order, per server. */
  id: number;
  /** "127.0.0.1:54321", "[::1]:54321" or "unix". */
  remote: string;
}

/** How one connection ended, passed to `onConnectionClose`. */
export interface EchoConnectionSummary {
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** Whose FIN came first: the peer's (it finished sending) or ours (server close()). */
  closedFirstBy: 'peer' | 'server';
  /** Set when the connection did not end with two FINs: an errno such as ECONNRESET, or 'grace period expired'. */
  aborted?: string;
}

export interface EchoServerOptions {
  /** Address to listen on. Default '127.0.0.1'; '::1' for IPv6. Ignored when `path` is set. */
  host?: string;
  /** Port to listen on; 0 (the default) lets the kernel pick a free one. */
  port?: number;
  /** Listen on a Unix domain socket (AF_UNIX) at this path instead of TCP. */
  path?: string;
  /**
   * Consume at most this many bytes per read and echo each piece separately,
   * like `connection.recv(16)` in the notes. Unset: echo whatever arrived (fastest).
   */
  readSize?: number;
  /**
   * Keep our sending side open after the peer's FIN so the rest of the echo
   * still reaches it; we send our FIN once everything is echoed. Default true.
   */
  allowHalfOpen?: boolean;
  /** Called for every accepted connection. */
  onConnection?: (conn: EchoConnectionInfo) => void;
  /** Called with each piece the server read, before echoing it (at most `readSize` bytes). */
  onChunk?: (chunk: Buffer, conn: EchoConnectionInfo) => void;
  /**
   * Called with the size of every read from the kernel (one read(2) by libuv,
   * pushed into the socket's stream), before the server takes its pieces:
   * what the stream delivered, whatever `readSize` the server then uses.
   */
  onKernelRead?: (bytes: number, conn: EchoConnectionInfo) => void;
  /** Called when the peer's FIN arrives (the notes' "no data from"): an empty read. */
  onPeerEnd?: (conn: EchoConnectionInfo) => void;
  /** Called when a connection is fully closed. */
  onConnectionClose?: (conn: EchoConnectionInfo, summary: EchoConnectionSummary) => void;
}

/** A snapshot of the server's counters, taken when `stats` is read. */
export interface EchoServerStats {
  connectionsOpen: number;
  connectionsTotal: number;
  /** Bytes read from peers. */
  bytesIn: number;
  /** Bytes handed to peers' sockets (echoed). */
  bytesOut: number;
  /** Bytes held in user space right now: unsent echo plus read-but-not-echoed input. */
  bufferedBytes: number;
  /** The largest unsent echo backlog any one connection reached: what a slow reader cost us. */
  peakBufferedBytes: number;
  /** Bytes that arrived after close() had half-closed their connection; read and dropped, never echoed. */
  discardedBytes: number;
}

export type EchoServerAddress = { host: string; port: number; family: 'IPv4' | 'IPv6' } | { path: string };

export interface EchoCloseOptions {
  /** How long live connections get to finish after our FIN before they are destroyed. Default 2000 ms. */
  graceMs?: number;
}

export interface EchoCloseResult {
  /** Connections that were open when close() was called. */
  open: number;
  /** Of those, how many finished with both FINs within the grace period. */
  graceful: number;
  /** Of those, how many were destroyed when the grace period ran out. */
  destroyed: number;
}

export interface EchoServer {
  /** Where the server listens; spread it into the client options: `echo(data, { ...server.address })`. */
  readonly address: EchoServerAddress;
  /** Live counters (a fresh snapshot on every read). */
  readonly stats: EchoServerStats;
  /**
   * Stop accepting, echo what was already read, half-close every live
   * connection (our FIN), keep reading and dropping until each peer sends its
   * FIN, and destroy whatever is left after `graceMs`. Idempotent.
   */
  close(options?: EchoCloseOptions): Promise<EchoCloseResult>;
}

const defaultGraceMs = 2000;

function remoteOf(socket: net.Socket): string {
  const { remoteAddress, remotePort } = socket;
  if (remoteAddress === undefined) return 'unix';
  return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
}

class Connection {
  #info: EchoConnectionInfo | undefined;
  readonly openedAt = performance.now();
  peakWriteBacklog = 0;
  discarded = 0;
  closedFirstBy: 'peer' | 'server' | undefined;
  aborted: string | undefined;
  finishing = false;

  constructor(
    readonly socket: net.Socket,
    readonly id: number,
  ) {}

  /**
   * Only the hooks need this, so the fast path never asks the kernel for the
   * peer's address (getpeername(2)). When hooks are set it is captured at
   * accept time, while the address can still be read.
   */
  get info(): EchoConnectionInfo {
    this.#info ??= { id: this.id, remote: remoteOf(this.socket) };
    return this.#info;
  }

  /** Write one echoed piece; false means the peer is behind and we must stop reading. */
  write(chunk: Buffer): boolean {
    const ok = this.socket.write(chunk);
    const backlog = this.socket.writableLength;
    if (backlog > this.peakWriteBacklog) this.peakWriteBacklog = backlog;
    return ok;
  }

  /** Our FIN, once everything queued is flushed. */
  endOutput(): void {
    this.closedFirstBy ??= 'server';
    if (!this.socket.writableEnded) this.socket.end();
  }
}

// The fast lean path (no hooks): net.Socket's documented `onread` option, so a
// read goes from the kernel into a buffer of ours and straight to write(),
// without Readable's push, 'data' and flow, and without a fresh 64 KiB
// allocation per read. The bytes are written from that buffer; while a write
// of them is pending (the kernel did not take them all at once) libuv still
// points into it, so the next read gets a new one. 64 KiB is what libuv reads
// at once by default: the most one read can add to the unsent echo stays the same.
const READ_BUFFER_SIZE = 64 * 1024;
const kConnection = Symbol('connlab.echoConnection');
type LeanSocket = net.Socket & { [kConnection]: Connection };
// onread calls the buffer function right after the callback of the same read (and once at
// set-up), not as a method: the callback leaves the buffer and its verdict here.
let freshBufferWanted = true;
let lastBuffer: Buffer | null = null;

function leanBuffer(): Buffer {
  if (freshBufferWanted || lastBuffer === null) {
    freshBufferWanted = false;
    return Buffer.allocUnsafe(READ_BUFFER_SIZE);
  }
  return lastBuffer; // the next read goes into the same memory
}

function leanRead(this: LeanSocket, nread: number, buffer: Buffer): boolean {
  const conn = this[kConnection];
  lastBuffer = buffer;
  if (conn.finishing) {
    conn.discarded += nread;
    return true;
  }
  const ok = conn.write(buffer.subarray(0, nread));
  if (this.writableLength > 0) freshBufferWanted = true; // libuv still holds these bytes
  return ok; // false: net.Socket stops reading until resume() (on 'drain')
}

/** A net.Socket for an accepted handle, reading through leanRead. */
function leanSocket(handle: unknown, allowHalfOpen: boolean): net.Socket {
  freshBufferWanted = true;
  const options: net.SocketConstructorOpts & { handle: unknown; onread: net.OnReadOpts } = {
    handle,
    allowHalfOpen,
    readable: true,
    writable: true,
    onread: { buffer: leanBuffer, callback: leanRead },
  };
  return new net.Socket(options);
}

/**
 * Build the lean sockets ourselves: net.Server gives no way to pass `onread`
 * for accepted connections, so take them from its listening handle (the
 * `onconnection` net.Server itself installs). False, changing nothing, when
 * this Node's server does not look like that.
 */
function acceptLean(server: net.Server, allowHalfOpen: boolean, onSocket: (socket: net.Socket) => void): boolean {
  const listen = (server as unknown as { _handle?: { onconnection?: unknown } | null })._handle;
  if (!listen || typeof listen.onconnection !== 'function') return false;
  listen.onconnection = (status: number, handle?: unknown): void => {
    // A failed accept (EMFILE, ...): nothing was accepted.
    if (status === 0 && handle !== undefined) onSocket(leanSocket(handle, allowHalfOpen));
  };
  return true;
}

function onLeanDrain(this: net.Socket): void {
  this.resume();
}

function attachLean(conn: Connection, onChunk: EchoServerOptions['onChunk']): void {
  const { socket } = conn;
  socket.on('data', (chunk: Buffer) => {
    if (conn.finishing) {
      conn.discarded += chunk.length;
      return;
    }
    onChunk?.(chunk, conn.info);
    if (!conn.write(chunk)) socket.pause();
  });
  socket.on('drain', () => {
    socket.resume();
  });
}

/**
 * Node hands each buffer libuv read from the kernel to the stream's push()
 * (onStreamRead); wrapping this socket's push sees those reads one by one.
 */
function observeKernelReads(socket: net.Socket, onRead: (bytes: number) => void): void {
  const push = socket.push.bind(socket);
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk instanceof Uint8Array && chunk.length > 0) onRead(chunk.length);
    return push(chunk, encoding);
  };
}

function attachPaced(conn: Connection, readSize: number, onChunk: EchoServerOptions['onChunk']): void {
  const { socket } = conn;
  let waitingForDrain = false;
  const pump = (): void => {
    while (!waitingForDrain && !conn.finishing) {
      const available = socket.readableLength;
      if (available === 0) {
        // Nothing buffered: read() either asks the kernel for more or, after
        // the peer's FIN, lets the stream emit 'end' (the notes' empty recv).
        socket.read();
        return;
      }
      // read(n) returns null when fewer than n bytes are buffered, whereas
      // recv(n) returns what is there: ask for no more than is buffered.
      const chunk = socket.read(Math.min(readSize, available)) as Buffer | null;
      if (chunk === null) return;
      onChunk?.(chunk, conn.info);
      if (!conn.write(chunk)) {
        waitingForDrain = true;
        socket.once('drain', () => {
          waitingForDrain = false;
          pump();
        });
      }
    }
  };
  socket.on('readable', pump);
}

/** Switch a connection to closing: our FIN now, then read and drop input until the peer's FIN. */
function finish(conn: Connection): void {
  if (conn.finishing) return;
  conn.finishing = true;
  const { socket } = conn;
  socket.removeAllListeners('readable');
  if (socket.listenerCount('data') === 0) {
    socket.on('data', (chunk: Buffer) => {
      conn.discarded += chunk.length;
    });
  }
  // Dropping input instead of leaving it unread matters: closing a socket with
  // unread data makes the kernel send RST, and the peer may lose our echo.
  socket.resume();
  conn.endOutput();
}

/**
 * Start a TCP (or Unix socket) echo server.
 *
 * @example
 * ```ts
 * const server = await createEchoServer({ port: 0, readSize: 16, onChunk: (c) => console.log(`${c}`) });
 * const reply = await echo('hello, echo', { ...server.address });
 * await server.close({ graceMs: 1000 });
 * ```
 */
export async function createEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const host = options.host ?? '127.0.0.1';
  const port = checkPort(options.port ?? 0, 0);
  const readSize = checkPositiveInt('readSize', options.readSize);
  const { path, onChunk, onKernelRead, onConnection, onPeerEnd, onConnectionClose } = options;
  const allowHalfOpen = options.allowHalfOpen ?? true;

  const live = new Set<Connection>();
  let nextId = 1;
  let total = 0;
  let closedIn = 0;
  let closedOut = 0;
  let closedDiscarded = 0;
  let peak = 0;
  let closing: Promise<EchoCloseResult> | undefined;
  let onDrained: (() => void) | undefined;

  const hooked =
    onConnection !== undefined ||
    onChunk !== undefined ||
    onPeerEnd !== undefined ||
    onConnectionClose !== undefined ||
    onKernelRead !== undefined;
  let lean = false; // sockets come from acceptLean
  const onSocket = (socket: net.Socket): void => {
    const conn = new Connection(socket, nextId++);
    const info = hooked ? conn.info : undefined;
    total++;
    live.add(conn);
    if (onKernelRead) observeKernelReads(socket, (bytes) => onKernelRead(bytes, conn.info));
    if (lean) {
      (socket as LeanSocket)[kConnection] = conn;
      socket.on('drain', onLeanDrain);
    } else if (readSize === undefined) attachLean(conn, onChunk);
    else attachPaced(conn, readSize, onChunk);

    socket.on('end', () => {
      conn.closedFirstBy ??= 'peer';
      onPeerEnd?.(conn.info);
      // Everything the peer sent has been read and echoed (or dropped, when
      // closing): send our FIN after the echo drains.
      conn.endOutput();
    });
    socket.on('error', (error) => {
      conn.aborted ??= errnoOf(error) ?? error.message;
    });
    socket.on('close', () => {
      live.delete(conn);
      closedIn += socket.bytesRead;
      closedOut += socket.bytesWritten;
      closedDiscarded += conn.discarded;
      if (conn.peakWriteBacklog > peak) peak = conn.peakWriteBacklog;
      onConnectionClose?.(conn.info, {
        bytesIn: socket.bytesRead,
        bytesOut: socket.bytesWritten,
        durationMs: performance.now() - conn.openedAt,
        closedFirstBy: conn.closedFirstBy ?? 'server',
        ...(conn.aborted === undefined ? {} : { aborted: conn.aborted }),
      });
      if (live.size === 0) onDrained?.();
    });
    if (info) onConnection?.(info);
    if (closing) finish(conn);
  };
  const server = net.createServer({ allowHalfOpen }, onSocket);

  const endpoint: EchoEndpoint = path === undefined ? { host, port } : { path };
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new EchoListenError(endpoint, errnoOf(error), { cause: error }));
    };
    server.once('error', onError);
    const listening = (): void => {
      server.off('error', onError);
      // Before the first connection: 'listening' comes ahead of the first poll for connections.
      if (readSize === undefined && !hooked) lean = acceptLean(server, allowHalfOpen, onSocket);
      resolve();
    };
    if (path === undefined) server.listen({ host, port }, listening);
    else server.listen({ path }, listening);
  });

  const bound = server.address();
  const address: EchoServerAddress =
    typeof bound === 'string' || bound === null
      ? { path: path ?? String(bound) }
      : { host: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };

  return {
    address,
    get stats(): EchoServerStats {
      let bytesIn = closedIn;
      let bytesOut = closedOut;
      let discardedBytes = closedDiscarded;
      let bufferedBytes = 0;
      let peakBufferedBytes = peak;
      for (const { socket, discarded, peakWriteBacklog } of live) {
        bytesIn += socket.bytesRead;
        bytesOut += socket.bytesWritten;
        discardedBytes += discarded;
        bufferedBytes += socket.writableLength + socket.readableLength;
        if (peakWriteBacklog > peakBufferedBytes) peakBufferedBytes = peakWriteBacklog;
      }
      return { connectionsOpen: live.size, connectionsTotal: total, bytesIn, bytesOut, bufferedBytes, peakBufferedBytes, discardedBytes };
    },
    close(closeOptions: EchoCloseOptions = {}): Promise<EchoCloseResult> {
      const graceMs = checkMs('graceMs', closeOptions.graceMs) ?? defaultGraceMs;
      closing ??= new Promise<EchoCloseResult>((resolve) => {
        const open = [...live];
        let destroyed = 0;
        const timer = setTimeout(() => {
          for (const conn of live) {
            conn.aborted ??= 'grace period expired';
            destroyed++;
            conn.socket.destroy();
          }
        }, graceMs);
        // server.close() stops accepting now and calls back once its connection
        // count is zero, which can be before our 'close' handlers ran: wait for both.
        const stopped = new Promise((stop) => server.close(stop));
        const drained = new Promise<void>((done) => {
          onDrained = done;
          if (live.size === 0) done();
        });
        for (const conn of open) finish(conn);
        void Promise.all([stopped, drained]).then(() => {
          clearTimeout(timer);
          resolve({ open: open.length, graceful: open.length - destroyed, destroyed });
        });
      });
      return closing;
    },
  };
}
