// "A hint, not a promise" (the notes, after RFC 2068 §19.7.1.1): a server that
// advertises `Keep-Alive: timeout=120, max=5` and closes earlier, and the
// @connlab/http client meeting it.
//
// The hasty server is a few lines of raw `net` on purpose: @connlab/http keeps
// its promises, and this one must break them in two ways:
// - it closes a connection idle for `idleCloseMs` (far less than 120 s);
// - it drops a connection when request `dropAt` arrives, without answering,
//   as a server whose idle timer fired while that request was on its way
//   (the keep-alive race Node's and undici's users keep meeting).
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { sleep } from '@connlab/lab';
import { HttpClient, HttpClientError, parseMessages } from '@connlab/http';

/** The header the hasty server sends on its first response: the notes' example. */
export const ADVERTISED = { timeoutS: 120, max: 5 } as const;

export interface HintOptions {
  /** The hasty server closes a connection idle this long. */
  idleCloseMs: number;
  /** The request number on a connection at which it drops the connection unanswered. */
  dropAt: number;
  /** Give up on any one request after this long. */
  waitMs: number;
}

export const defaultHintOptions: HintOptions = { idleCloseMs: 300, dropAt: 3, waitMs: 3000 };

/** One request the client made, as it saw it. */
export interface HintRequest {
  method: string;
  path: string;
  /** 'answered' with a status, or the client error's code. */
  outcome: string;
  status?: number;
  connectionId?: number;
  reused?: boolean;
  attempts?: number;
  /** The Keep-Alive field of the response. */
  keepAlive?: string;
}

export interface HintRun {
  /** What the client was set to do. */
  client: string;
  requests: HintRequest[];
  retries: number;
}

export interface HintResult {
  options: HintOptions;
  /** Idle time before the hasty server's FIN, per idle close, ms (its own clock). */
  idleClosesMs: number[];
  /** Requests the hasty server dropped unanswered. */
  dropped: number;
  /** The early idle close: GET, pause past idleCloseMs, GET. */
  idle: HintRun;
  /** The early drop, with the client's one retry turned off. */
  dropNoRetry: HintRun;
  /** The same, retry on (the default). */
  dropRetry: HintRun;
  /** The same with a POST where the dropped GET was: never retried. */
  dropPost: HintRun;
}

interface Hasty {
  origin: string;
  idleClosesMs: number[];
  dropped: number;
  close: () => Promise<void>;
}

async function hastyServer(o: HintOptions): Promise<Hasty> {
  const sockets = new Set<net.Socket>();
  const state = { idleClosesMs: [] as number[], dropped: 0 };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let answered = 0;
    let idleSince = performance.now();
    let timer = setTimeout(closeIdle, o.idleCloseMs);
    function closeIdle(): void {
      state.idleClosesMs.push(performance.now() - idleSince);
      socket.end();
    }
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(timer);
      buffered = Buffer.concat([buffered, chunk]);
      const complete = parseMessages({ type: 'request' }, [buffered]).messages.length;
      while (answered < complete) {
        if (answered + 1 === o.dropAt) {
          // The broken promise: max said there was room for more.
          state.dropped++;
          socket.destroy();
          return;
        }
        answered++;
        const body = `response ${answered}\n`;
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n` +
            `Keep-Alive: timeout=${ADVERTISED.timeoutS}, max=${ADVERTISED.max + 1 - answered}\r\n\r\n${body}`,
        );
      }
      idleSince = performance.now();
      timer = setTimeout(closeIdle, o.idleCloseMs);
    });
    socket.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get idleClosesMs() {
      return state.idleClosesMs;
    },
    get dropped() {
      return state.dropped;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Send requests in order (each after the previous one ended), pausing where asked. */
async function session(
  origin: string,
  client: string,
  retry: boolean,
  plan: { method: string; path: string; pauseMs?: number }[],
  o: HintOptions,
): Promise<HintRun> {
  const http = new HttpClient({ retry, honorKeepAliveHint: true, responseTimeoutMs: o.waitMs });
  let retries = 0;
  http.on('retry', () => retries++);
  const requests: HintRequest[] = [];
  try {
    for (const step of plan) {
      if (step.pauseMs) await sleep(step.pauseMs);
      try {
        const res = await http.request({
          origin,
          method: step.method,
          path: step.path,
          version: '1.0',
          ...(step.method === 'POST' ? { body: 'order=1' } : {}),
        });
        requests.push({
          method: step.method,
          path: step.path,
          outcome: 'answered',
          status: res.status,
          connectionId: res.connectionId,
          reused: res.reused,
          attempts: res.attempts,
          keepAlive: res.header('keep-alive') ?? '',
        });
      } catch (error) {
        if (!(error instanceof HttpClientError)) throw error;
        requests.push({ method: step.method, path: step.path, outcome: error.code, attempts: error.attempts });
      }
    }
  } finally {
    await http.close();
  }
  return { client, requests, retries };
}

/**
 * Run the four client sessions against the hasty server.
 *
 * @example
 * const r = await runHint();
 * r.dropRetry.requests[2]; // { path: '/3', outcome: 'answered', attempts: 2, reused: false, … }
 */
export async function runHint(o: HintOptions = defaultHintOptions): Promise<HintResult> {
  const hasty = await hastyServer(o);
  try {
    const gets = Array.from({ length: o.dropAt }, (_, i) => ({ method: 'GET', path: `/${i + 1}` }));
    const idle = await session(
      hasty.origin,
      'retry on',
      true,
      [
        { method: 'GET', path: '/1' },
        { method: 'GET', path: '/2', pauseMs: o.idleCloseMs + 200 },
      ],
      o,
    );
    const dropNoRetry = await session(hasty.origin, 'retry off', false, gets, o);
    const dropRetry = await session(hasty.origin, 'retry on', true, gets, o);
    const dropPost = await session(hasty.origin, 'retry on', true, [...gets.slice(0, -1), { method: 'POST', path: `/${o.dropAt}` }], o);
    return { options: o, idleClosesMs: [...hasty.idleClosesMs], dropped: hasty.dropped, idle, dropNoRetry, dropRetry, dropPost };
  } finally {
    await hasty.close();
  }
}
