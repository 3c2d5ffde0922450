// HTTP/1.0 Keep-Alive on the wire: raw requests to the @connlab/http server.
//
// HTTP/1.0 closes after every response unless the client asks otherwise with
// `Connection: Keep-Alive` (RFC 2068 §19.7.1, RFC 9112 §9.3); the server
// agrees by echoing `Connection: keep-alive`, and may add the hints
// `Keep-Alive: timeout=T, max=M`. HTTP/1.1 is persistent without asking.
import { sleep, Wire } from '@connlab/lab';
import { createServer, getHeader, parseMessages } from '@connlab/http';
import type { CloseReason, HttpServer } from '@connlab/http';
import { defaultHintOptions, runHint } from './hint.js';
import type { HintOptions, HintResult } from './hint.js';

export interface RunOptions {
  /**
   * The `max` the server advertises on its first response: "at most this many
   * more transactions" (the notes). The server is set to serve max + 1 in all.
   */
  maxRequests: number;
  /** The server's keep-alive timeout (the `timeout` it advertises, in whole seconds). */
  keepAliveTimeoutMs: number;
  /** How long to watch a connection after a response to call it "still open". */
  settleMs: number;
  /** Give up waiting for any single response or close after this long. */
  waitMs: number;
  /** The "hint, not a promise" part against a server that closes early. */
  hint: HintOptions;
}

/** Defaults: the book's example header, `Keep-Alive: max=5, timeout=120`. */
export const defaultOptions: RunOptions = {
  maxRequests: 5,
  keepAliveTimeoutMs: 120_000,
  settleMs: 200,
  waitMs: 3000,
  hint: defaultHintOptions,
};

/** One response as the client parsed it. */
export interface Exchange {
  /** The request line sent. */
  request: string;
  status: number;
  /** The response's Connection field ('' when absent). */
  connection: string;
  /** The response's Keep-Alive field ('' when absent). */
  keepAlive: string;
  body: string;
  /** ms from connect to the complete response. */
  at: number;
  /** This request and its response as printable wire lines. */
  lines: string[];
}

export type CaseName = 'http10-plain' | 'http10-keep-alive' | 'http10-forgot' | 'http11-default';

export interface CaseResult {
  name: CaseName;
  requestsSent: number;
  exchanges: Exchange[];
  /** ms from connect to the server's FIN, or null if it never came. */
  serverFinAt: number | null;
  /** ms from connect to the client's own FIN (sent when the conversation was over). */
  clientFinAt: number;
  /** Was the connection still open `settleMs` after the first response? */
  openAfterFirst: boolean;
  /** Why the server says it closed the connection. */
  serverReason: CloseReason | null;
  /** The whole conversation, printable. */
  transcript: string[];
  /** The lines after the last exchange (FIN, close). */
  tail: string[];
}

export interface RunResult {
  options: RunOptions;
  cases: CaseResult[];
  hint: HintResult;
}

const HOST = '127.0.0.1';
const request = (target: string, version: '1.0' | '1.1', connection?: string): string =>
  `GET ${target} HTTP/${version}\r\nHost: ${HOST}\r\n${connection ? `Connection: ${connection}\r\n` : ''}\r\n`;

/** Complete responses in the bytes received so far (answers to GET requests). */
function responsesIn(bytes: Buffer): number {
  return parseMessages({ type: 'response' }, [bytes]).messages.length;
}

/**
 * Send `requests` one at a time on a fresh connection, each after the
 * previous response; stop when the server closes. Returns what the client saw.
 */
async function converse(server: HttpServer, name: CaseName, requests: readonly string[], options: RunOptions): Promise<CaseResult> {
  const reasons = new Map<number, CloseReason>();
  const onClose = (info: { remotePort: number }, reason: CloseReason): void => {
    reasons.set(info.remotePort, reason);
  };
  server.on('connectionClose', onClose);
  const wire = await Wire.connect(server.address().port);
  const localPort = wire.socket.localPort ?? 0;
  const exchanges: Exchange[] = [];
  let openAfterFirst = false;
  let sent = 0;
  let clientFinAt = 0;
  let lastExchangeEnd = 0;
  try {
    for (const req of requests) {
      if (wire.endedAt !== null) break;
      const from = wire.events.length;
      await wire.send(req);
      sent++;
      const want = exchanges.length + 1;
      if (!(await wire.waitFor((b) => responsesIn(b) >= want, options.waitMs))) break;
      const parsed = parseMessages({ type: 'response' }, [wire.received()]).messages[want - 1]!;
      // A FIN right behind the response belongs to this exchange in the transcript.
      if (parsed.head.connection.includes('close')) await wire.waitEnd(options.waitMs);
      else if (want === 1) openAfterFirst = (await wire.waitEnd(options.settleMs)) === null;
      exchanges.push({
        request: req.slice(0, req.indexOf('\r\n')),
        status: parsed.head.status,
        connection: getHeader(parsed.head.rawHeaders, 'connection') ?? '',
        keepAlive: getHeader(parsed.head.rawHeaders, 'keep-alive') ?? '',
        body: parsed.body.toString('latin1'),
        at: wire.now(),
        lines: wire.transcript({ from, to: wire.events.length }),
      });
      lastExchangeEnd = wire.events.length;
    }
  } finally {
    clientFinAt = wire.now();
    wire.end();
    await wire.waitClose(options.waitMs);
    wire.destroy();
    // The server records the reason once its side is fully closed.
    const deadline = performance.now() + options.waitMs;
    while (!reasons.has(localPort) && performance.now() < deadline) await sleep(5);
    server.off('connectionClose', onClose);
  }
  return {
    name,
    requestsSent: sent,
    exchanges,
    serverFinAt: wire.endedAt,
    clientFinAt,
    openAfterFirst,
    serverReason: reasons.get(localPort) ?? null,
    transcript: wire.transcript(),
    tail: wire.transcript({ from: lastExchangeEnd }),
  };
}

/** Run the four conversations against one server. */
export async function run(options: RunOptions = defaultOptions): Promise<RunResult> {
  const server = createServer(
    (req) => ({
      headers: { 'Content-Type': 'text/plain' },
      body: `request ${req.index} on connection ${req.connectionId}\n`,
      // The first response then says max=maxRequests: that many more after it.
    }),
    { maxRequestsPerConnection: options.maxRequests + 1, keepAliveTimeoutMs: options.keepAliveTimeoutMs, date: false },
  );
  await server.listen(0, HOST);
  try {
    const ka = Array.from({ length: options.maxRequests + 3 }, (_, i) => request(`/page-${i + 1}`, '1.0', 'Keep-Alive'));
    return {
      options,
      hint: await runHint(options.hint),
      cases: [
        await converse(server, 'http10-plain', [request('/page-1', '1.0')], options),
        await converse(server, 'http10-keep-alive', ka, options),
        await converse(
          server,
          'http10-forgot',
          [request('/page-1', '1.0', 'Keep-Alive'), request('/page-2', '1.0'), request('/page-3', '1.0', 'Keep-Alive')],
          options,
        ),
        await converse(server, 'http11-default', [request('/page-1', '1.1'), request('/page-2', '1.1')], options),
      ],
    };
  } finally {
    await server.close({ graceMs: 1000 });
  }
}
