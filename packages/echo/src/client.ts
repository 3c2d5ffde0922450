// Echo clients. `echo()` is the notes' client in one call: send everything
// (sendall), then keep reading until as many bytes came back as were sent.
// `openEchoSession()` keeps the connection for long or interactive use.
import net from 'node:net';
import { once } from 'node:events';
import type { EchoEndpoint } from './errors.js';
import { EchoClosedError, EchoConnectError, EchoOptionError, EchoTimeoutError, checkMs, checkPort, errnoOf } from './errors.js';

export interface EchoClientOptions {
  /** Server host. Default '127.0.0.1'. Ignored when `path` is set. */
  host?: string;
  /** Server port (1–65535). Required unless `path` is set. */
  port?: number;
  /** Connect to a Unix domain socket at this path instead. */
  path?: string;
  /**
   * `echo()`: deadline for the whole exchange. `openEchoSession()`: deadline
   * for connecting and the default for each read. 0 disables. Default 10 000 ms.
   */
  timeoutMs?: number;
  /** Disable Nagle's algorithm on the client socket (TCP_NODELAY). Default false, as in Node. */
  noDelay?: boolean;
}

/** What `echo()` sends: bytes, text (UTF-8), or a sequence of pieces written one by one. */
export type EchoPayload = string | Uint8Array | Iterable<Uint8Array>;

export interface EchoReply {
  /** Everything that came back, in order. */
  data: Buffer;
  /** Bytes sent. */
  sent: number;
  /** Size of each piece as the client read it: where the stream happened to split. */
  reads: number[];
  /** How many times a write had to wait for 'drain' (the kernel's send buffer was full). */
  drainWaits: number;
  /** From connect() to the last echoed byte. */
  elapsedMs: number;
}

const defaultTimeoutMs = 10_000;

function toPieces(data: EchoPayload): Iterable<Uint8Array> {
  if (typeof data === 'string') return [Buffer.from(data)];
  if (data instanceof Uint8Array) return [data];
  return data;
}

function resolveEndpoint(options: EchoClientOptions): EchoEndpoint {
  if (options.path !== undefined) {
    if (typeof options.path !== 'string' || options.path === '') throw new EchoOptionError('path', options.path, 'a Unix socket path');
    return { path: options.path };
  }
  return { host: options.host ?? '127.0.0.1', port: checkPort(options.port, 1) };
}

function timeoutOf(options: EchoClientOptions): number {
  return checkMs('timeoutMs', options.timeoutMs) ?? defaultTimeoutMs;
}

/** A timer that does nothing when `ms` is 0 (no deadline). */
function deadline(ms: number, fire: () => void): () => void {
  if (ms === 0) return () => undefined;
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
}

function connectSocket(endpoint: EchoEndpoint, timeoutMs: number, noDelay: boolean): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      'path' in endpoint ? net.connect({ path: endpoint.path }) : net.connect({ host: endpoint.host, port: endpoint.port, noDelay });
    const cancel = deadline(timeoutMs, () => {
      socket.destroy();
      reject(new EchoTimeoutError(endpoint, 'the connection to be accepted', timeoutMs, 0));
    });
    socket.once('error', (error) => {
      cancel();
      reject(new EchoConnectError(endpoint, errnoOf(error), { cause: error }));
    });
    socket.once('connect', () => {
      cancel();
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/** Resolves on 'drain'; rejects if the socket closes first (nothing would ever drain it). */
function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      socket.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      socket.off('drain', onDrain);
      reject(new Error('socket closed while waiting for drain'));
    };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}

/**
 * The sendall idea: hand every piece to the socket, and whenever write()
 * reports the buffer is full, wait for 'drain' before the next one, so memory
 * stays bounded however much is sent. Returns how many waits there were.
 */
async function sendAll(socket: net.Socket, pieces: Iterable<Uint8Array>, onSent: (n: number) => void): Promise<number> {
  let waits = 0;
  for (const piece of pieces) {
    if (socket.destroyed || socket.writableEnded) throw new Error('socket closed while sending');
    const ok = socket.write(piece);
    onSent(piece.byteLength);
    if (!ok) {
      waits++;
      await drained(socket);
    }
  }
  return waits;
}

/**
 * Send `data` to an echo server and read until exactly as many bytes came back.
 *
 * Throws EchoOptionError (bad port), EchoConnectError (e.g. ECONNREFUSED),
 * EchoTimeoutError (deadline, with the bytes that arrived) or EchoClosedError
 * (the server closed before echoing everything).
 *
 * @example
 * ```ts
 * const reply = await echo('This is a Message', { host: '127.0.0.1', port: 2048, timeoutMs: 2000 });
 * console.log(reply.data.toString(), reply.reads); // the message, and e.g. [16, 1]
 * ```
 */
export async function echo(data: EchoPayload, options: EchoClientOptions): Promise<EchoReply> {
  const endpoint = resolveEndpoint(options);
  const timeoutMs = timeoutOf(options);
  const pieces = toPieces(data);
  const started = performance.now();
  const socket = await connectSocket(endpoint, timeoutMs, options.noDelay ?? false);
  const remainingMs = timeoutMs === 0 ? 0 : Math.max(1, timeoutMs - (performance.now() - started));

  const chunks: Buffer[] = [];
  const reads: number[] = [];
  let sent = 0;
  let received = 0;
  let sendingDone = false;
  let drainWaits = 0;

  try {
    await new Promise<void>((resolve, reject) => {
      const cancel = deadline(remainingMs, () => {
        const what = sendingDone ? `the echo of ${sent} bytes` : `the server to take ${sent}+ bytes (still sending)`;
        reject(new EchoTimeoutError(endpoint, what, timeoutMs, received));
      });
      const check = (): void => {
        if (sendingDone && received >= sent) {
          cancel();
          resolve();
        }
      };
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        reads.push(chunk.length);
        received += chunk.length;
        check();
      });
      socket.on('end', () => {
        cancel();
        if (!sendingDone || received < sent) reject(new EchoClosedError(endpoint, received, sent));
      });
      socket.on('error', (error) => {
        cancel();
        reject(new EchoClosedError(endpoint, received, sent, errnoOf(error), { cause: error }));
      });
      sendAll(socket, pieces, (n) => {
        sent += n;
      }).then(
        (waits) => {
          drainWaits = waits;
          sendingDone = true;
          check();
        },
        // The 'error'/'end' handlers above report why the socket went away.
        () => undefined,
      );
    });
  } catch (error) {
    socket.destroy();
    throw error;
  }
  const elapsedMs = performance.now() - started;
  // Our FIN; the server answers with its own once it has nothing left to echo.
  // Waiting for it keeps the close clean, but a missing FIN is not our failure.
  socket.end();
  const closed = once(socket, 'close');
  const cancel = deadline(Math.min(remainingMs || 1000, 1000), () => socket.destroy());
  await closed;
  cancel();
  return { data: Buffer.concat(chunks, received), sent, reads, drainWaits, elapsedMs };
}

export interface EchoReadOptions {
  /** Override the session's timeout for this read; 0 waits forever. */
  timeoutMs?: number;
}

/** Above this many unread bytes the session stops reading, so TCP pushes back on the server. */
const sessionHighWaterMark = 1 << 20;

/**
 * A long-lived connection to an echo server. Create it with `openEchoSession()`.
 *
 * @example
 * ```ts
 * const session = await openEchoSession({ port: 2048 });
 * await session.send('hello');
 * const back = await session.readExactly(5);
 * await session.end();                       // our FIN (half-close)
 * console.log(await session.recv());         // null: the server's FIN came back
 * await session.close();
 * ```
 */
export class EchoSession implements AsyncIterable<Buffer> {
  /** Bytes handed to `send()`. */
  bytesSent = 0;
  /** Bytes that came back. */
  bytesReceived = 0;
  /** True once the server's FIN arrived. */
  peerEnded = false;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #error: Error | undefined;
  #closed = false;
  readonly #wakers = new Set<() => void>();
  readonly #closedPromise: Promise<unknown>;

  constructor(
    /** The underlying socket, for experiments (setNoDelay, timings); prefer the methods. */
    readonly socket: net.Socket,
    readonly endpoint: EchoEndpoint,
    readonly timeoutMs: number,
  ) {
    this.#closedPromise = once(socket, 'close');
    socket.on('data', (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      this.bytesReceived += chunk.length;
      if (this.#queued >= sessionHighWaterMark) socket.pause();
      this.#wake();
    });
    socket.on('end', () => {
      this.peerEnded = true;
      this.#wake();
    });
    socket.on('error', (error) => {
      this.#error = error;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const wake of this.#wakers) wake();
  }

  #closedError(expected: number): EchoClosedError {
    return new EchoClosedError(this.endpoint, this.bytesReceived, expected, errnoOf(this.#error), { cause: this.#error });
  }

  /**
   * Send data, honouring backpressure: resolves once the socket has taken it
   * without exceeding its buffer (after 'drain' when it had to wait).
   */
  async send(data: EchoPayload): Promise<void> {
    if (this.#closed || this.socket.writableEnded) throw this.#closedError(this.bytesSent);
    try {
      await sendAll(this.socket, toPieces(data), (n) => {
        this.bytesSent += n;
      });
    } catch {
      throw this.#closedError(this.bytesSent);
    }
  }

  /**
   * Like recv(2): up to `maxBytes` of whatever has arrived, waiting only if
   * nothing has. Resolves null after the server's FIN (end of stream).
   */
  async recv(maxBytes = Infinity, options: EchoReadOptions = {}): Promise<Buffer | null> {
    const timeoutMs = checkMs('timeoutMs', options.timeoutMs) ?? this.timeoutMs;
    const wait = { timedOut: false };
    let cancel = (): void => undefined;
    try {
      for (;;) {
        const head = this.#queue[0];
        if (head) return this.#take(head, maxBytes);
        if (this.#error) throw this.#closedError(this.bytesSent);
        if (this.peerEnded || this.#closed) return null;
        if (wait.timedOut) throw new EchoTimeoutError(this.endpoint, 'echoed bytes', timeoutMs, this.bytesReceived);
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            this.#wakers.delete(wake);
            resolve();
          };
          this.#wakers.add(wake);
          cancel();
          cancel = deadline(timeoutMs, () => {
            wait.timedOut = true;
            wake();
          });
        });
      }
    } finally {
      cancel();
    }
  }

  #take(head: Buffer, maxBytes: number): Buffer {
    let piece = head;
    if (head.length > maxBytes) {
      piece = head.subarray(0, maxBytes);
      this.#queue[0] = head.subarray(maxBytes);
    } else {
      this.#queue.shift();
    }
    this.#queued -= piece.length;
    if (this.#queued < sessionHighWaterMark && this.socket.isPaused()) this.socket.resume();
    return piece;
  }

  /** Read exactly `n` bytes, looping over recv() as the notes' client does. */
  async readExactly(n: number, options: EchoReadOptions = {}): Promise<Buffer> {
    const pieces: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const piece = await this.recv(n - got, options);
      if (piece === null) throw new EchoClosedError(this.endpoint, got, n);
      pieces.push(piece);
      got += piece.length;
    }
    return Buffer.concat(pieces, n);
  }

  /** Echoed chunks as they arrive, until the server's FIN. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const chunk = await this.recv();
      if (chunk === null) return;
      yield chunk;
    }
  }

  /** Half-close: send our FIN after everything queued; keep reading what still comes back. */
  async end(): Promise<void> {
    if (this.socket.writableFinished) return;
    const finished = once(this.socket, 'finish');
    this.socket.end();
    await finished;
  }

  /** Close the connection now (unread echoed bytes are dropped) and wait until it is closed. */
  async close(): Promise<void> {
    this.socket.destroy();
    await this.#closedPromise;
  }
}

/**
 * Connect to an echo server and keep the connection for streaming use.
 *
 * @example
 * ```ts
 * const session = await openEchoSession({ host: '::1', port: 2048, timeoutMs: 2000 });
 * for (const line of ['one', 'two']) await session.send(line);
 * console.log((await session.readExactly(6)).toString()); // 'onetwo'
 * await session.close();
 * ```
 */
export async function openEchoSession(options: EchoClientOptions): Promise<EchoSession> {
  const endpoint = resolveEndpoint(options);
  const timeoutMs = timeoutOf(options);
  const socket = await connectSocket(endpoint, timeoutMs, options.noDelay ?? false);
  return new EchoSession(socket, endpoint, timeoutMs);
}
