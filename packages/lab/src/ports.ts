// Ports and loopback servers for experiments and tests.
import net from 'node:net';
import { LabError } from './errors.js';

/**
 * A port on 127.0.0.1 where nothing listens: the kernel picks a free one, we
 * bind it, note it and release it. A connect to it gets ECONNREFUSED (unless
 * something else grabs the port in between, which is unlikely but possible).
 *
 * @example
 * ```ts
 * const port = await closedPort();
 * net.connect(port, '127.0.0.1').on('error', (e) => console.log(e.code)); // ECONNREFUSED
 * ```
 */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Options for {@link listenLoopback}. */
export interface LoopbackOptions {
  /**
   * Keep the accepted socket writable after the peer's FIN (net's
   * `allowHalfOpen`); the handler then ends its side itself. Default false.
   */
  allowHalfOpen?: boolean;
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port to bind. Default 0: the kernel picks a free one. */
  port?: number;
}

/** A listening server that remembers its open sockets so it can close them all; `await using` closes it too. */
export interface LoopbackServer {
  server: net.Server;
  /** The port it listens on (the kernel's pick when asked for 0). */
  port: number;
  /** Accepted sockets that have not closed yet. */
  sockets: ReadonlySet<net.Socket>;
  /**
   * Destroy every open accepted socket, then close the server; resolves once
   * it is closed. Safe to call more than once (later calls get the same promise).
   */
  close: () => Promise<void>;
  /** The same close, for `await using server = await listenLoopback(...)`. */
  [Symbol.asyncDispose]: () => Promise<void>;
}

/** Thrown by {@link listenLoopback} when the server cannot listen. */
export class ListenError extends LabError {
  readonly code = 'LAB_LISTEN';
  /** The system error's code, e.g. EADDRINUSE or EACCES. */
  readonly systemCode: string | undefined;
  constructor(message: string, systemCode: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
    this.systemCode = systemCode;
  }
}

/**
 * Listen on loopback (127.0.0.1, port 0 by default) and call `onSocket` for
 * each accepted connection. Every accepted socket is tracked until it closes,
 * so `close()` can destroy the ones still open: a plain `server.close()` would
 * wait for them, which hangs a test whose client keeps a connection alive.
 * The socket is already tracked when `onSocket` runs.
 *
 * @throws {ListenError} when the listen fails (the message names host:port).
 * @example
 * ```ts
 * const echo = await listenLoopback((socket) => socket.pipe(socket));
 * const client = net.connect(echo.port, '127.0.0.1');
 * // ...
 * await echo.close(); // destroys the server side of `client`, then closes
 * ```
 */
export async function listenLoopback(onSocket: (socket: net.Socket) => void, options: LoopbackOptions = {}): Promise<LoopbackServer> {
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new ListenError(`cannot listen on ${host}:${wanted}: ${error.message}`, error.code, { cause: error }));
    };
    server.once('error', onError);
    server.listen(wanted, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      // close() reports ERR_SERVER_NOT_RUNNING if someone closed it already; closed is closed.
      server.close(() => resolve());
    });
    return closing;
  };
  return { server, port: (server.address() as net.AddressInfo).port, sockets, close, [Symbol.asyncDispose]: close };
}
