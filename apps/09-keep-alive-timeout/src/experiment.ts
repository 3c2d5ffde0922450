// Keep-alive timeout semantics, timed on the wire.
//
// The notes' tcpdump experiment (keepalive_timeout 180 s, three requests 120 s
// apart) showed the server's FIN 180 s after the LAST response: the idle timer
// restarts after every response. Here the same experiment runs in seconds
// against the @connlab/http server: requests spaced `gapMs` apart on one
// connection, with gapMs < timeout < 2 × gapMs, so a timer counted from the
// first response would have closed the connection before the last request.
import { listTcpSockets, timeWaitHolder } from '@connlab/inspect';
import { sleep, Wire } from '@connlab/lab';
import { createServer, parseMessages } from '@connlab/http';
import type { CloseReason, HttpServer } from '@connlab/http';

export interface RunOptions {
  /** The server's keep-alive (idle) timeout. */
  timeoutMs: number;
  /** Pause between a response and the next request. */
  gapMs: number;
  /** Requests on the timed connection. */
  requests: number;
  /** How long the server drains input after its FIN before dropping the socket. */
  lingerMs: number;
  /** How long to wait for an answer to a request written after the FIN. */
  lateWaitMs: number;
}

/** One second of keep-alive timeout, requests 0.7 s apart: the run takes about 3 s. */
export const defaultOptions: RunOptions = { timeoutMs: 1000, gapMs: 700, requests: 3, lingerMs: 500, lateWaitMs: 250 };
export const quickOptions: RunOptions = { timeoutMs: 500, gapMs: 350, requests: 3, lingerMs: 300, lateWaitMs: 150 };

/** One request on the timed connection, times in ms after connect() was called. */
export interface Exchange {
  sentAt: number;
  respondedAt: number;
  /** The server's idle deadline right after this response (null if it was not idle). */
  deadlineAt: number | null;
}

/** What happened to a request written into a connection the server had closed. */
export interface LateRequest {
  /** Where the server was: still draining after its FIN, or its socket gone. */
  when: 'after-fin' | 'after-server-gone';
  sentAt: number;
  /** Error code of the write callback (EPIPE, ECONNRESET) or undefined if the kernel took the bytes. */
  writeError: string | undefined;
  /** First socket error the client saw afterwards (ECONNRESET …), if any. */
  socketError: string | undefined;
  /** After the server's socket is gone: a second write, to show what a client that keeps going gets. */
  secondWriteError: string | undefined;
  /** Response bytes that arrived for it (0: the request was lost). */
  responseBytes: number;
}

export interface TimeWaitSeen {
  /** TIME_WAIT sockets of this connection held by the server side (local port = server's). */
  server: number;
  /** … held by the client side. */
  client: number;
  /** Time left on the server's TIME_WAIT timer when it was read (2MSL counts down from 60 s on Linux). */
  remainingMs: number | null;
  /** False when /proc/net/tcp could not be read (not Linux). */
  available: boolean;
}

export interface RunResult {
  options: RunOptions;
  /** The timed connection's client port: finds it in a capture. */
  clientPort: number;
  connectedAt: number;
  exchanges: Exchange[];
  /** The server's FIN, as the client saw it ('end'), or null if it never came. */
  finAt: number | null;
  /** When the socket was fully closed on the client. */
  closedAt: number | null;
  serverReason: CloseReason | null;
  /** A request written right after the FIN, while the server still drains. */
  afterFin: LateRequest;
  /** A request written on a second connection after the server's socket is gone. */
  afterGone: LateRequest;
  timeWait: TimeWaitSeen;
  /** The wire transcript of the timed connection. */
  transcript: string[];
}

const HOST = '127.0.0.1';
const REQUEST = `GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

function responses(wire: Wire): number {
  return parseMessages({ type: 'response' }, [wire.received()]).messages.length;
}

/** The server's idle deadline for the connection from `localPort`, in the wire's time. */
function deadlineOf(server: HttpServer, wire: Wire): number | null {
  const row = server.connections().find((c) => c.remotePort === wire.socket.localPort);
  if (!row || row.timer !== 'idle' || row.deadline === null) return null;
  return row.deadline - performance.timeOrigin - wire.t0;
}

/** Write a request into a closed connection and record what the client gets. */
async function lateRequest(wire: Wire, when: LateRequest['when'], waitMs: number): Promise<LateRequest> {
  const before = wire.receivedBytes;
  const sentAt = wire.now();
  const writeError = await wire.send(REQUEST);
  await wire.waitClose(waitMs);
  const socketError = wire.error;
  const secondWriteError = when === 'after-server-gone' ? await wire.send(REQUEST) : undefined;
  return { when, sentAt, writeError, socketError, secondWriteError, responseBytes: wire.receivedBytes - before };
}

/** The second connection: one request, then silence past the server's FIN and linger, then a request. */
async function afterServerGone(server: HttpServer, options: RunOptions): Promise<LateRequest> {
  const wire = await Wire.connect(server.address().port);
  try {
    await wire.send(REQUEST);
    await wire.waitFor(() => responses(wire) >= 1, options.timeoutMs * 4);
    await wire.waitEnd(options.timeoutMs * 4);
    await sleep(options.lingerMs + 150);
    return await lateRequest(wire, 'after-server-gone', options.lateWaitMs);
  } finally {
    wire.destroy();
  }
}

async function timeWaitOf(serverPort: number, clientPort: number): Promise<TimeWaitSeen> {
  try {
    // Only this connection: server port and client port both match.
    const ours = new Set([clientPort]);
    const sockets = await listTcpSockets({ families: [4] });
    const server = sockets.filter((s) => timeWaitHolder(s, serverPort, ours) === 'server');
    return {
      server: server.length,
      client: sockets.filter((s) => timeWaitHolder(s, serverPort, ours) === 'client').length,
      remainingMs: server[0]?.timerRemainingMs ?? null,
      available: true,
    };
  } catch {
    return { server: 0, client: 0, remainingMs: null, available: false };
  }
}

/**
 * Time one keep-alive connection from connect to the server's FIN, write a
 * request after the FIN, and count the TIME_WAIT socket the close leaves.
 */
export async function run(options: RunOptions = defaultOptions): Promise<RunResult> {
  const server = createServer(() => ({ headers: { 'Content-Type': 'text/plain' }, body: 'ok\n' }), {
    keepAliveTimeoutMs: options.timeoutMs,
    lingerMs: options.lingerMs,
    date: false,
  });
  const { port } = await server.listen(0, HOST);
  const seen: { clientPort: number; reason: CloseReason | null } = { clientPort: -1, reason: null };
  server.on('connectionClose', (info, reason) => {
    if (info.remotePort === seen.clientPort) seen.reason = reason;
  });
  try {
    const gone = afterServerGone(server, options); // runs alongside; only its last step matters
    const wire = await Wire.connect(port);
    seen.clientPort = wire.socket.localPort ?? -1;
    try {
      const exchanges: Exchange[] = [];
      for (let i = 0; i < options.requests; i++) {
        if (i > 0) await sleep(options.gapMs);
        const sentAt = wire.now();
        await wire.send(REQUEST);
        if (!(await wire.waitFor(() => responses(wire) > i, options.timeoutMs * 4))) break;
        const respondedAt = wire.now();
        exchanges.push({ sentAt, respondedAt, deadlineAt: deadlineOf(server, wire) });
      }
      const finAt = await wire.waitEnd(options.timeoutMs * 4);
      const afterFin = await lateRequest(wire, 'after-fin', options.lateWaitMs);
      // Our FIN lets the server finish its close: it is the active closer, so its side enters TIME_WAIT.
      wire.end();
      const closedAt = await wire.waitClose(options.timeoutMs * 4);
      const deadline = performance.now() + 2000;
      while (seen.reason === null && performance.now() < deadline) await sleep(5);
      await sleep(20);
      const timeWait = await timeWaitOf(port, seen.clientPort);
      return {
        options,
        clientPort: seen.clientPort,
        connectedAt: wire.connectedAt,
        exchanges,
        finAt,
        closedAt,
        serverReason: seen.reason,
        afterFin,
        afterGone: await gone,
        timeWait,
        transcript: wire.transcript(),
      };
    } finally {
      wire.destroy();
    }
  } finally {
    await server.close({ graceMs: 1000 });
  }
}
