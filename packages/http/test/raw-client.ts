// A raw-socket client for the server tests: writes exact bytes, records what
// comes back and when, and parses the responses with our own response parser.
import net from 'node:net';
import { parseMessages } from '../src/parser/parse-all.js';
import type { ParsedMessage } from '../src/parser/parse-all.js';

export interface RawConnection {
  socket: net.Socket;
  /** Every chunk received, with the time it arrived (performance.now()). */
  chunks: { at: number; data: Buffer }[];
  /** Resolves when the server's FIN arrives, with its time. */
  ended: Promise<number>;
  /** Resolves when the socket is fully closed; `error` is set on RST (ECONNRESET). */
  closed: Promise<{ at: number; error: string | null }>;
  write(data: string | Buffer): void;
  /** All bytes received so far. */
  received(): Buffer;
  /** The responses received so far, parsed (methods in request order; GET when not given). */
  responses(methods?: string[]): ParsedMessage[];
  /** Wait until `n` complete responses have arrived. */
  waitResponses(n: number, methods?: string[], timeoutMs?: number): Promise<ParsedMessage[]>;
  close(): void;
}

export const sockets = new Set<net.Socket>();

/** The first 300 bytes as a JSON string, and the total length (error messages stay short). */
function preview(bytes: Buffer): string {
  return `${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))}${bytes.length > 300 ? ` … (${bytes.length} bytes)` : ''}`;
}

/** Destroy every socket opened by connectRaw (call in afterEach). */
export function destroyAll(): void {
  for (const s of sockets) s.destroy();
  sockets.clear();
}

/**
 * Connect to 127.0.0.1:port. By default the client closes its side when the
 * server's FIN arrives; `halfOpen: true` keeps it open (a lingering client).
 */
export function connectRaw(port: number, { halfOpen = false } = {}): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: halfOpen });
    sockets.add(socket);
    const chunks: { at: number; data: Buffer }[] = [];
    let waiters: (() => void)[] = [];
    let closeError: string | null = null;
    const ended = new Promise<number>((r) => socket.once('end', () => r(performance.now())));
    const closed = new Promise<{ at: number; error: string | null }>((r) =>
      socket.once('close', () => r({ at: performance.now(), error: closeError })),
    );
    socket.on('error', (e: NodeJS.ErrnoException) => {
      closeError = e.code ?? e.message;
    });
    socket.on('data', (data: Buffer) => {
      chunks.push({ at: performance.now(), data });
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
    socket.on('end', () => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
    const received = (): Buffer => Buffer.concat(chunks.map((c) => c.data));
    const responses = (methods: string[] = []): ParsedMessage[] => parseMessages({ type: 'response' }, [received()], { methods }).messages;
    socket.once('connect', () =>
      resolve({
        socket,
        chunks,
        ended,
        closed,
        received,
        responses,
        write: (data) => socket.write(data),
        close: () => socket.destroy(),
        waitResponses: (n, methods = [], timeoutMs = 5000) =>
          new Promise((res, rej) => {
            const timer = setTimeout(
              () => rej(new Error(`timed out waiting for ${n} responses; got ${responses(methods).length}: ${preview(received())}`)),
              timeoutMs,
            );
            const check = (): void => {
              const got = responses(methods);
              if (got.length >= n) {
                clearTimeout(timer);
                res(got);
              } else if (socket.readableEnded) {
                clearTimeout(timer);
                rej(new Error(`connection ended after ${got.length} of ${n} responses: ${preview(received())}`));
              } else {
                waiters.push(check);
              }
            };
            check();
          }),
      }),
    );
    socket.once('error', reject);
  });
}

/** Poll until `cond` holds (server-side events can trail the client's view by a tick). */
export async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A value of a response header (any case). */
export function header(m: ParsedMessage, name: string): string | undefined {
  const raw = m.head.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}
