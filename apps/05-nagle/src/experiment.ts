// Nagle's algorithm meets delayed ACK, on one loopback connection.
//
// The client sends each request as two small writes: a header, then a body
// (write-write-read). The server answers only once it has the whole request.
// With Nagle on, the kernel holds the body back while the header is still
// unacknowledged (RFC 896; RFC 1122 §4.2.3.4). The server has nothing to say
// until the body arrives, so it delays its ACK for the header (RFC 1122
// §4.2.3.2; on Linux at least TCP_DELACK_MIN = HZ/25 = 40 ms, include/net/tcp.h).
// Each side waits for the other: one delayed-ACK timeout per request.
// TCP_NODELAY sends the body at once; so does one write of the whole request.
import net from 'node:net';
import { listenLoopback, median, nowMs, percentile } from '@connlab/lab';
import { getNoDelay, setNoDelay } from '@connlab/tcp-options';

/** How the client sends each request. */
export type WriteMode = 'nagle' | 'nodelay' | 'one-write';

export const writeModes: readonly WriteMode[] = ['nagle', 'nodelay', 'one-write'];

export const modeLabels: Record<WriteMode, string> = {
  nagle: 'two writes, Nagle on',
  nodelay: 'two writes, TCP_NODELAY',
  'one-write': 'one corked write, Nagle on',
};

export interface RunOptions {
  /** Requests per mode, each on the same connection. */
  requests: number;
  /** Body bytes per request (the header is about 60 bytes). */
  bodyBytes: number;
  modes?: readonly WriteMode[];
}

export interface ModeResult {
  mode: WriteMode;
  /** TCP_NODELAY as read back from the kernel on the client socket. */
  noDelay: boolean;
  /** The client's local port: finds this mode's connection in a capture. */
  clientPort: number;
  /** Per-request latency, in order. */
  latenciesMs: number[];
  medianMs: number;
  p90Ms: number;
  /** Requests slower than 20 ms (stalled on a delayed ACK). */
  stalled: number;
  /** How many requests at the start ran fast before the first stall (quick-ACK mode). */
  fastBeforeFirstStall: number;
}

export interface RunResult {
  modes: ModeResult[];
  options: RunOptions;
}

export const STALL_MS = 20;

interface Server {
  port: number;
  close: () => Promise<void>;
}

// A tiny request/response protocol with HTTP's shape: a header block that
// ends in a blank line and names the body length, then the body.
function request(bodyBytes: number): { header: Buffer; body: Buffer } {
  return {
    header: Buffer.from(`POST /nagle HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${bodyBytes}\r\n\r\n`),
    body: Buffer.alloc(bodyBytes, 0x61),
  };
}

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');

function startServer(): Promise<Server> {
  return listenLoopback((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        const total = end + 4 + length;
        if (buffered.length < total) return; // wait for the rest of the request before answering
        buffered = buffered.subarray(total);
        socket.write(RESPONSE);
      }
    });
  });
}

function readResponse(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onData = (chunk: Buffer): void => {
      got += chunk.length;
      if (got >= RESPONSE.length) {
        cleanup();
        resolve();
      }
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`connection to 127.0.0.1:${socket.remotePort ?? '?'} closed before the response arrived`));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

async function runMode(server: Server, mode: WriteMode, options: RunOptions): Promise<ModeResult> {
  const socket = net.connect(server.port, '127.0.0.1');
  // Queued until 'connect': Node creates the file descriptor only when it connects.
  setNoDelay(socket, mode === 'nodelay');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const { header, body } = request(options.bodyBytes);
  const latenciesMs: number[] = [];
  try {
    for (let i = 0; i < options.requests; i++) {
      const answered = readResponse(socket);
      const start = nowMs();
      if (mode === 'one-write') {
        // cork + uncork turns the two writes into one writev(): one segment.
        socket.cork();
        socket.write(header);
        socket.write(body);
        socket.uncork();
      } else {
        socket.write(header);
        socket.write(body);
      }
      await answered;
      latenciesMs.push(nowMs() - start);
    }
    const firstStall = latenciesMs.findIndex((ms) => ms > STALL_MS);
    return {
      mode,
      noDelay: getNoDelay(socket),
      clientPort: socket.localPort ?? -1,
      latenciesMs,
      medianMs: median(latenciesMs),
      p90Ms: percentile(latenciesMs, 90),
      stalled: latenciesMs.filter((ms) => ms > STALL_MS).length,
      fastBeforeFirstStall: firstStall < 0 ? latenciesMs.length : firstStall,
    };
  } finally {
    socket.destroy();
  }
}

/**
 * Send `requests` write-write-read requests per mode, each mode on a fresh
 * loopback connection, and time each one.
 *
 * @example
 * ```ts
 * const { modes } = await run({ requests: 20, bodyBytes: 100 });
 * console.log(modes.map((m) => `${m.mode}: ${m.medianMs.toFixed(1)} ms`));
 * ```
 */
export async function run(options: RunOptions): Promise<RunResult> {
  const server = await startServer();
  try {
    const modes: ModeResult[] = [];
    for (const mode of options.modes ?? writeModes) modes.push(await runMode(server, mode, options));
    return { modes, options };
  } finally {
    await server.close();
  }
}
