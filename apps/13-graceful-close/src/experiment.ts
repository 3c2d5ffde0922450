// Graceful close vs RST, on plain `net`.
//
// The scene: a client uploads a large body; the server decides early (think
// "413 Content Too Large") and answers before it has read the body, then
// closes. If it closes both directions at once while the upload is still
// arriving, its kernel answers the unread input with an RST (RFC 1122
// §4.2.2.13, restated in RFC 9293 §3.6.1: closing with unread data "SHOULD
// send a RST"), and the client, which has not read the answer yet, loses it. If it
// half-closes (FIN), keeps reading and discarding what still arrives, and
// only then closes, every byte of the answer arrives.
import { once } from 'node:events';
import net from 'node:net';
import { listenLoopback, sleep } from '@connlab/lab';

/** How the server ends the connection after writing its answer. */
export type CloseMode = 'abrupt' | 'graceful';
/** When the client reads: only after it has sent its whole upload, or all along. */
export type ReadMode = 'after-sending' | 'while-sending';

export interface CaseOptions {
  close: CloseMode;
  read: ReadMode;
  /** Bytes of request body the client uploads. */
  uploadBytes: number;
  /** Bytes of response body the server sends before closing. */
  responseBodyBytes: number;
  /** Graceful mode: how long the server keeps draining input after its FIN. */
  lingerMs: number;
  /** Give up on the whole case after this long. */
  timeoutMs: number;
}

export interface CaseResult {
  close: CloseMode;
  read: ReadMode;
  /** The client's local port: finds this case's connection in a capture. */
  clientPort: number;
  /** Bytes of the response (head + body) the server wrote. */
  expectedBytes: number;
  /** Bytes of it the client actually read. */
  receivedBytes: number;
  /** Upload bytes the client's socket accepted before the connection broke (or all of them). */
  uploadedBytes: number;
  /** The first socket error the client saw, by code (ECONNRESET, EPIPE), if any. */
  clientError: string | undefined;
  /** Upload bytes the server read and threw away while lingering (graceful only). */
  drainedBytes: number;
  /** True when every byte of the response arrived. */
  complete: boolean;
  ms: number;
}

/** Defaults big enough to outlast loopback socket buffers, small enough to run in well under a second. */
export const defaultCaseOptions = {
  uploadBytes: 16 * 1024 * 1024,
  responseBodyBytes: 16 * 1024,
  lingerMs: 2000,
  timeoutMs: 10_000,
} as const;

function responseFor(bodyBytes: number): Buffer {
  const head = `HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain\r\nContent-Length: ${bodyBytes}\r\nConnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.alloc(bodyBytes, 0x2e)]);
}

interface ServerSide {
  port: number;
  drained: () => number;
  /** Resolves when the accepted connection has closed on the server's side (at once if none came). */
  settled: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * A server that answers as soon as the request line arrives, then either
 * destroys the socket (abrupt: close(2) with unread input → RST) or ends it
 * (graceful: FIN), drains input until the client's FIN or `lingerMs`, and closes.
 */
async function startServer(mode: CloseMode, response: Buffer, lingerMs: number): Promise<ServerSide> {
  let drained = 0;
  let closed: Promise<void> = Promise.resolve();
  const server = await listenLoopback(
    (socket) => {
      closed = new Promise((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined); // the abrupt path resets on purpose
      let answered = false;
      socket.on('data', (chunk: Buffer) => {
        if (answered) {
          drained += chunk.length;
          return;
        }
        answered = true;
        // Answer before reading the body, like a server refusing an upload.
        socket.write(response, () => {
          if (mode === 'abrupt') {
            socket.destroy();
            return;
          }
          socket.end(); // half-close: our FIN follows the answer, input stays open
          const linger = setTimeout(() => socket.destroy(), lingerMs);
          socket.once('end', () => {
            clearTimeout(linger);
            socket.destroy();
          });
        });
      });
    },
    { allowHalfOpen: true },
  );
  return { port: server.port, drained: () => drained, settled: () => closed, close: server.close };
}

/** Run one combination of server close mode and client read mode. */
export async function runCase(options: Partial<CaseOptions> & Pick<CaseOptions, 'close' | 'read'>): Promise<CaseResult> {
  const o: CaseOptions = { ...defaultCaseOptions, ...options };
  const response = responseFor(o.responseBodyBytes);
  const server = await startServer(o.close, response, o.lingerMs);
  const started = performance.now();
  const socket = net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
  let received = 0;
  let uploaded = 0;
  let clientError: string | undefined;
  let clientPort = -1;
  try {
    await once(socket, 'connect');
    clientPort = socket.localPort ?? -1;
    if (o.read === 'after-sending') socket.pause();
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    const finished = new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.on('error', (error: NodeJS.ErrnoException) => {
        clientError ??= error.code ?? error.message;
      });
    });
    const timer = setTimeout(() => socket.destroy(), o.timeoutMs);

    // Upload with backpressure, like a client streaming a file.
    socket.write(`POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${o.uploadBytes}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let left = o.uploadBytes;
    while (left > 0 && !socket.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (
        !socket.write(piece, (err) => {
          if (!err) uploaded += piece.length;
        })
      ) {
        // Not once(socket, 'drain'): it rejects on 'error', and the error is what we measure.
        await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), finished]);
      }
    }
    if (!socket.destroyed) socket.end();
    // Only now does an "after-sending" client start reading the answer.
    socket.resume();
    await finished;
    clearTimeout(timer);
  } finally {
    socket.destroy();
    // The client's kernel may still be delivering the last of the upload after the client
    // closed its socket; let the server drain it and close on its own (FIN or linger), or
    // closing the listener would reset a connection the run is not about.
    await Promise.race([server.settled(), sleep(o.lingerMs + 500)]);
    await server.close();
  }
  return {
    close: o.close,
    read: o.read,
    clientPort,
    expectedBytes: response.length,
    receivedBytes: received,
    uploadedBytes: uploaded,
    clientError,
    drainedBytes: server.drained(),
    complete: received === response.length,
    ms: performance.now() - started,
  };
}

export interface RunOptions {
  uploadBytes?: number;
  responseBodyBytes?: number;
  lingerMs?: number;
  /** Repeat each case this many times (the race is timing-dependent). */
  repeats?: number;
}

export interface RunResult {
  cases: CaseResult[];
}

/** All four combinations, each repeated. */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const repeats = options.repeats ?? 3;
  const cases: CaseResult[] = [];
  const combos: [CloseMode, ReadMode][] = [
    ['abrupt', 'after-sending'],
    ['abrupt', 'while-sending'],
    ['graceful', 'after-sending'],
    ['graceful', 'while-sending'],
  ];
  for (const [close, read] of combos) {
    for (let i = 0; i < repeats; i++) {
      cases.push(
        await runCase({
          close,
          read,
          ...(options.uploadBytes !== undefined ? { uploadBytes: options.uploadBytes } : {}),
          ...(options.responseBodyBytes !== undefined ? { responseBodyBytes: options.responseBodyBytes } : {}),
          ...(options.lingerMs !== undefined ? { lingerMs: options.lingerMs } : {}),
        }),
      );
    }
  }
  return { cases };
}
