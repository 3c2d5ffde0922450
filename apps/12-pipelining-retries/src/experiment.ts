// Pipelining against a server that closes early, and what the client may retry.
//
// The server answers k requests on a connection and then stops: it reads and
// discards anything else that arrives for a moment, then closes, without ever
// saying `Connection: close`. The client pipelines N GETs and then a POST on
// one connection. The unanswered GETs are sent again on a new connection; the
// POST, which lands in the server's closing window, is not, because the client
// cannot tell whether it was processed.
import { HttpClient, HttpClientError, HttpParser } from '@connlab/http';
import type { MessageHead, TimingPhase } from '@connlab/http';
import { listenLoopback } from '@connlab/lab';

export interface RunOptions {
  /** Requests the server answers per connection before closing. */
  closeAfter: number;
  /** GETs the client pipelines before the POST. */
  gets: number;
  /** Most requests in flight on the client's connection. */
  depth: number;
  /** How long the server keeps reading (and dropping) input after its k-th answer before it closes. */
  closeDelayMs: number;
}

export const defaultOptions: RunOptions = { closeAfter: 4, gets: 8, depth: 8, closeDelayMs: 40 };

/** What the server did with one request it received. */
export interface ServerRecord {
  connection: number;
  indexOnConnection: number;
  method: string;
  path: string;
  answered: boolean;
  at: number;
}

/** What happened to one request, from the client's side and the server's. */
export interface RequestReport {
  method: string;
  path: string;
  outcome: 'answered' | 'retried-and-answered' | 'failed' | 'refused-retry';
  attempts: number;
  /** Connections it was sent on, in order. */
  connections: number[];
  pipelined: boolean;
  /** Why the first attempt failed (retried) or why it was not retried (refused). */
  reason?: string;
  errorCode?: string;
  /** Times the server received it and whether it answered each time. */
  server: { connection: number; answered: boolean }[];
  phases: TimingPhase[];
  start: number;
  end: number;
}

export interface RunResult {
  options: RunOptions;
  requests: RequestReport[];
  serverLog: ServerRecord[];
  connectionsOpened: number;
  t0: number;
}

interface Server {
  port: number;
  log: ServerRecord[];
  accepted: () => number;
  close: () => Promise<void>;
}

/** A server that answers `closeAfter` requests per connection and then goes away without a word. */
async function startEarlyCloser(closeAfter: number, closeDelayMs: number): Promise<Server> {
  const log: ServerRecord[] = [];
  let accepted = 0;
  const server = await listenLoopback(
    (socket) => {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      const connection = ++accepted;
      let index = 0;
      let answered = 0;
      let head: MessageHead | undefined;
      const parser = new HttpParser(
        { type: 'request' },
        {
          onHead: (h) => {
            head = h;
          },
          onComplete: () => {
            const h = head!;
            index++;
            const answer = answered < closeAfter;
            log.push({ connection, indexOnConnection: index, method: h.method, path: h.target, answered: answer, at: performance.now() });
            if (!answer) return; // dropped: never processed
            answered++;
            const body = `${h.method} ${h.target}: request ${index} on connection ${connection}\n`;
            socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
            if (answered === closeAfter) {
              // No Connection: close; keep reading (and dropping) for a moment, then close gracefully.
              setTimeout(() => {
                socket.end();
                socket.once('end', () => socket.destroy());
                setTimeout(() => socket.destroy(), 1000).unref();
              }, closeDelayMs);
            }
          },
        },
      );
      socket.on('data', (chunk: Buffer) => {
        try {
          parser.execute(chunk);
        } catch {
          socket.destroy();
        }
      });
    },
    { allowHalfOpen: true },
  );
  return { port: server.port, log, accepted: () => accepted, close: server.close };
}

/** Pipeline `gets` GETs and a POST at a server that closes after `closeAfter`. */
export async function run(options: Partial<RunOptions> = {}): Promise<RunResult> {
  const o: RunOptions = { ...defaultOptions, ...options };
  const server = await startEarlyCloser(o.closeAfter, o.closeDelayMs);
  const client = new HttpClient({ connections: 1, pipelining: o.depth, retry: true });
  const origin = { host: '127.0.0.1', port: server.port };
  const firstTry = new Map<string, { connection: number; reason: string }>();
  client.on('retry', (info) => firstTry.set(info.path, { connection: info.connectionId, reason: info.error.message }));
  const t0 = performance.now();
  const sends = [
    ...Array.from({ length: o.gets }, (_, i) => ({ method: 'GET', path: `/item/${i + 1}` })),
    { method: 'POST', path: '/order' },
  ].map(async ({ method, path }): Promise<RequestReport> => {
    const start = performance.now();
    const serverRecords = () => server.log.filter((r) => r.path === path).map((r) => ({ connection: r.connection, answered: r.answered }));
    try {
      const res = await client.request({ origin, method, path, ...(method === 'POST' ? { body: 'one book, please' } : {}) });
      const first = firstTry.get(path);
      return {
        method,
        path,
        outcome: res.attempts > 1 ? 'retried-and-answered' : 'answered',
        attempts: res.attempts,
        connections: first ? [first.connection, res.connectionId] : [res.connectionId],
        pipelined: res.pipelined,
        ...(first ? { reason: first.reason } : {}),
        server: serverRecords(),
        phases: res.timing.phases,
        start,
        end: res.timing.end,
      };
    } catch (error) {
      if (!(error instanceof HttpClientError)) throw error;
      const end = performance.now();
      return {
        method,
        path,
        outcome: error.code === 'HTTP_CLIENT_NOT_RETRIED' ? 'refused-retry' : 'failed',
        attempts: error.attempts,
        connections: [],
        pipelined: false,
        reason: error.message,
        errorCode: error.code,
        server: serverRecords(),
        phases: error.timing?.phases ?? [{ phase: 'no-answer', start, end }],
        start,
        end,
      };
    }
  });
  try {
    const requests = await Promise.all(sends);
    // Which connection a failed request was on is only in the server's log (the client only knows it failed).
    for (const r of requests) if (r.connections.length === 0) r.connections = r.server.map((s) => s.connection);
    return { options: o, requests, serverLog: server.log, connectionsOpened: server.accepted(), t0 };
  } finally {
    await client.close();
    await server.close();
  }
}
