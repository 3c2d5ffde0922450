// The dumb-proxy hang, then the fixes: a proxy that understands Connection,
// and Netscape's Proxy-Connection workaround through both kinds of proxy.
//
// The client is an HTTP/1.0 browser of the book's era: it asks for keep-alive
// and, when the answer says keep-alive, sends its next request on the same
// connection. Everything runs on 127.0.0.1; nothing is emulated.
import { HttpClient, HttpClientError, createServer, echoHandler } from '@connlab/http';
import type { ClientResponse, HttpServer } from '@connlab/http';
import { BlindRelay, HttpProxy } from '@connlab/proxy';

export interface RunOptions {
  /** How long the client waits for a response before giving up (bounds the hang). */
  hangTimeoutMs: number;
  /** The server's keep-alive idle timeout; longer than the hang so the client's timeout ends it. */
  serverKeepAliveMs: number;
}

export const defaultOptions: RunOptions = { hangTimeoutMs: 3000, serverKeepAliveMs: 15_000 };
export const quickOptions: RunOptions = { hangTimeoutMs: 1500, serverKeepAliveMs: 15_000 };

export type ProxyKind = 'blind relay' | 'smart proxy';
export type AskWith = 'Connection' | 'Proxy-Connection';

/** One request as the client experienced it. */
export interface RequestOutcome {
  path: string;
  ok: boolean;
  ms: number;
  status?: number;
  /** The Connection field of the response the client got. */
  responseConnection?: string;
  /** The client-side connection it travelled on, and whether it was reused. */
  connectionId?: number;
  reused?: boolean;
  /** What the server says it received in Connection / Proxy-Connection / Via. */
  serverSaw?: { connection?: string; proxyConnection?: string; via?: string };
  error?: string;
  errorCode?: string;
}

export interface CaseResult {
  proxy: ProxyKind;
  askWith: AskWith;
  requests: RequestOutcome[];
  /** Client connections the two requests used. */
  clientConnections: number;
  /** Blind relay only: bytes of a later request the relay dropped, and whether the server ever closed. */
  relayIgnoredBytes?: number;
  relayServerClosed?: boolean;
  /** The server's own view of its connections when the case ended. */
  serverTable: { id: number; state: string; served: number; idleMs: number; deadlineInMs: number | null }[];
}

export interface RunResult {
  options: RunOptions;
  cases: CaseResult[];
}

function serverSaw(res: ClientResponse): RequestOutcome['serverSaw'] {
  const doc = JSON.parse(res.text()) as { headers: Record<string, string> };
  const h = doc.headers;
  return {
    ...(h.connection !== undefined ? { connection: h.connection } : {}),
    ...(h['proxy-connection'] !== undefined ? { proxyConnection: h['proxy-connection'] } : {}),
    ...(h.via !== undefined ? { via: h.via } : {}),
  };
}

async function oneCase(server: HttpServer, kind: ProxyKind, askWith: AskWith, o: RunOptions): Promise<CaseResult> {
  const upstream = { host: '127.0.0.1', port: server.address().port };
  const relay = kind === 'blind relay' ? new BlindRelay({ upstream }) : undefined;
  const proxy = kind === 'smart proxy' ? new HttpProxy({ upstream }) : undefined;
  const { port } = await (relay ?? proxy!).listen();
  // One connection, no retries: we want to see exactly what happens to the second request.
  const client = new HttpClient({ connections: 1, retry: false });
  const requests: RequestOutcome[] = [];
  const connections = new Set<number>();
  try {
    for (const path of ['/index.html', '/logo.gif']) {
      const started = performance.now();
      try {
        const res = await client.request({
          origin: { host: '127.0.0.1', port },
          path,
          version: '1.0',
          headers: askWith === 'Connection' ? { Connection: 'Keep-Alive' } : { 'Proxy-Connection': 'Keep-Alive' },
          responseTimeoutMs: o.hangTimeoutMs,
        });
        connections.add(res.connectionId);
        requests.push({
          path,
          ok: true,
          ms: performance.now() - started,
          status: res.status,
          responseConnection: res.header('connection') ?? '',
          connectionId: res.connectionId,
          reused: res.reused,
          serverSaw: serverSaw(res),
        });
      } catch (error) {
        if (!(error instanceof HttpClientError)) throw error;
        requests.push({ path, ok: false, ms: performance.now() - started, error: error.message, errorCode: error.code });
      }
    }
    const now = Date.now();
    const serverTable = server.connections().map((c) => ({
      id: c.id,
      state: c.state,
      served: c.requestsServed,
      idleMs: c.idleMs,
      deadlineInMs: c.deadline === null ? null : c.deadline - now,
    }));
    const stats = relay?.stats() ?? [];
    return {
      proxy: kind,
      askWith,
      requests,
      clientConnections: connections.size,
      serverTable,
      ...(relay
        ? { relayIgnoredBytes: stats.reduce((n, s) => n + s.ignoredBytes, 0), relayServerClosed: stats.every((s) => s.serverClosed) }
        : {}),
    };
  } finally {
    await client.close();
    await (relay ?? proxy!).close();
  }
}

/**
 * Four cases: {blind relay, smart proxy} × {Connection: Keep-Alive,
 * Proxy-Connection: Keep-Alive}, each one HTTP/1.0 client sending two requests.
 */
export async function run(options: Partial<RunOptions> = {}, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  const o: RunOptions = { ...defaultOptions, ...options };
  const cases: CaseResult[] = [];
  for (const [kind, askWith] of [
    ['blind relay', 'Connection'],
    ['smart proxy', 'Connection'],
    ['blind relay', 'Proxy-Connection'],
    ['smart proxy', 'Proxy-Connection'],
  ] as const) {
    progress(`${kind}, client asks with ${askWith}: Keep-Alive`);
    // A fresh server per case, so its connection table shows only this case.
    const server = createServer(echoHandler, { keepAliveTimeoutMs: o.serverKeepAliveMs });
    await server.listen(0, '127.0.0.1');
    try {
      cases.push(await oneCase(server, kind, askWith, o));
    } finally {
      await server.close({ graceMs: 100 });
    }
  }
  return { options: o, cases };
}
