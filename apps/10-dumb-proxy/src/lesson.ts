// Lesson 10: a blind relay hangs a kept-alive connection; a proxy that strips Connection does not.
import { check, defineLesson, formatMs, table, withFlags } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { defaultOptions, quickOptions, run } from './experiment.js';
import type { CaseResult, RequestOutcome, RunResult } from './experiment.js';

function outcome(r: RequestOutcome | undefined): string {
  if (!r) return '—';
  if (!r.ok) return `gave up after ${formatMs(r.ms)}`;
  return `${r.status ?? ''} in ${formatMs(r.ms)}${r.reused ? ', reused' : ''}`;
}

function saw(r: RequestOutcome | undefined): string {
  const s = r?.serverSaw;
  if (!s) return '—';
  const parts = [
    s.connection !== undefined ? `Connection: ${s.connection}` : '',
    s.proxyConnection !== undefined ? `Proxy-Connection: ${s.proxyConnection}` : '',
    s.via !== undefined ? `Via: ${s.via}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : '(neither)';
}

/** Did each case do what the book says it does? */
export function verdicts(result: RunResult): { hang: boolean; smartFixes: boolean; pcRelay: boolean; pcSmart: boolean } {
  const find = (proxy: string, askWith: string): CaseResult | undefined =>
    result.cases.find((c) => c.proxy === proxy && c.askWith === askWith);
  const a = find('blind relay', 'Connection');
  const b = find('smart proxy', 'Connection');
  const c = find('blind relay', 'Proxy-Connection');
  const d = find('smart proxy', 'Proxy-Connection');
  const second = (x: CaseResult | undefined) => x?.requests[1];
  const allOk = (x: CaseResult | undefined) => x !== undefined && x.requests.length === 2 && x.requests.every((r) => r.ok);
  return {
    hang:
      a?.requests[0]?.ok === true &&
      second(a)?.errorCode === 'HTTP_CLIENT_TIMEOUT' &&
      (second(a)?.ms ?? 0) >= 0.9 * result.options.hangTimeoutMs,
    // RFC 9112 §9.3: the smart proxy keeps no persistent connection with a 1.0 client, so request 2 goes on a new one.
    smartFixes: allOk(b) && b?.clientConnections === 2 && second(b)?.reused === false,
    pcRelay: allOk(c) && c?.clientConnections === 2 && c.requests[0]?.serverSaw?.proxyConnection !== undefined,
    pcSmart: allOk(d) && d?.clientConnections === 2 && d.requests[0]?.serverSaw?.connection?.toLowerCase() === 'keep-alive',
  };
}

export function toLessonResult(result: RunResult): LessonResult {
  const v = verdicts(result);
  const rows = result.cases.map((c) => [
    c.proxy,
    `${c.askWith}: Keep-Alive`,
    outcome(c.requests[0]),
    outcome(c.requests[1]),
    c.clientConnections,
    saw(c.requests[0]),
  ]);
  const hung = result.cases.find((c) => c.proxy === 'blind relay' && c.askWith === 'Connection');
  const server = hung?.serverTable[0];
  const lines = [
    'An HTTP/1.0 client asks for keep-alive and sends two requests, through each kind of proxy, to the @connlab/http server.',
    '',
    ...table(['proxy', 'client asks with', 'request 1', 'request 2', 'client conns', 'server received'], rows),
    '',
  ];
  if (hung && v.hang) {
    lines.push(
      `Why request 2 hung for ${formatMs(hung.requests[1]?.ms ?? 0)} through the blind relay:`,
      `  - the relay passed "Connection: Keep-Alive" to the server, and the server's "Connection: keep-alive" back to the client;`,
      '  - so the client reused the connection, and the server kept its end open;',
      `  - the relay expects one request per connection: it dropped the ${hung.relayIgnoredBytes ?? 0} bytes of request 2 and waits for the server to close;`,
      server
        ? `  - the server sees an idle connection (${server.served} served) and will close it only after its keep-alive timeout, in ${formatMs(server.deadlineInMs ?? NaN)};`
        : '  - the server had no connection left open;',
      `  - the client gave up after its own ${formatMs(result.options.hangTimeoutMs)} timeout. A browser would spin until one side timed out.`,
    );
  } else {
    lines.push('The blind relay did not hang this time; see the table.');
  }
  lines.push(
    '',
    'The smart proxy strips Connection and Keep-Alive and keeps its own pool to the server. With an HTTP/1.0 client it keeps no persistent',
    'connection at all (RFC 9112 §9.3: "A proxy server MUST NOT maintain a persistent connection with an HTTP/1.0 client"): it answers with',
    'Connection: close and closes, so request 2 goes on a new connection. Slower than keep-alive, but it cannot hang.',
    'Proxy-Connection: through the blind relay the server ignores the unknown field, answers with Connection: close and closes,',
    'so the client opens a new connection: slower but no hang. The smart proxy sends Connection: keep-alive upstream in its place.',
  );
  const ms = (c: CaseResult | undefined, i: number) => c?.requests[i]?.ms ?? 0;
  const byCase = (p: string, a: string) => result.cases.find((c) => c.proxy === p && c.askWith === a);
  return {
    checks: [
      check(
        'blind relay, Connection: Keep-Alive: request 2 hangs until the client gives up',
        v.hang,
        outcome(byCase('blind relay', 'Connection')?.requests[1]),
      ),
      check(
        'smart proxy, Connection: Keep-Alive: both answered, the 1.0 client hop closed (RFC 9112 §9.3), request 2 on a new connection',
        v.smartFixes,
        `${outcome(byCase('smart proxy', 'Connection')?.requests[1])}, ${byCase('smart proxy', 'Connection')?.clientConnections ?? 0} connections`,
      ),
      check(
        'blind relay, Proxy-Connection: both answered on 2 connections',
        v.pcRelay,
        `${byCase('blind relay', 'Proxy-Connection')?.clientConnections ?? 0} connections`,
      ),
      check(
        'smart proxy, Proxy-Connection: Connection: keep-alive upstream, the 1.0 client hop still closed (2 connections)',
        v.pcSmart,
        `${byCase('smart proxy', 'Proxy-Connection')?.clientConnections ?? 0} connections`,
      ),
    ],
    lines,
    figures: [
      {
        kind: 'bars',
        title: 'Time until request 2 was answered (or the client gave up)',
        unit: 'ms',
        bars: result.cases.map((c) => ({
          label: `${c.proxy}, ${c.askWith}`,
          value: c.requests[1]?.ms ?? 0,
          note: c.requests[1]?.ok
            ? `answered on ${c.clientConnections === 1 ? 'the same connection' : 'a new connection'}`
            : 'hung: no answer',
        })),
      },
    ],
    measurements: [
      {
        label: 'request 2 via blind relay, Connection: Keep-Alive (waited)',
        value: ms(byCase('blind relay', 'Connection'), 1),
        unit: 'ms',
        textbook: 'hangs until the client or the server times out',
      },
      {
        label: 'request 2 via smart proxy, Connection: Keep-Alive',
        value: ms(byCase('smart proxy', 'Connection'), 1),
        unit: 'ms',
        textbook: 'answered on a new connection: no persistence with a 1.0 client (RFC 9112 §9.3)',
      },
      {
        label: 'client connections, Proxy-Connection via blind relay',
        value: byCase('blind relay', 'Proxy-Connection')?.clientConnections ?? 0,
        unit: '',
        textbook: '2: server ignores it, no keep-alive, no hang',
      },
      {
        label: 'client connections, Proxy-Connection via smart proxy',
        value: byCase('smart proxy', 'Proxy-Connection')?.clientConnections ?? 0,
        unit: '',
        textbook: 'the book: 1 (Netscape); RFC 9112 §9.3: 2, a 1.0 client hop is not kept',
      },
    ],
  };
}

export const lesson = defineLesson({
  number: 10,
  slug: 'dumb-proxy',
  title: 'Dumb proxies and hop-by-hop headers',
  effect: 'a blind relay forwards Connection: Keep-Alive and the next request hangs; a proxy that strips hop-by-hop headers does not',
  needsRoot: 'no',
  flags: {
    hangTimeoutMs: {
      type: 'int',
      min: 100,
      max: 60_000,
      help: "the client's patience for request 2, ms (default 3000, 1500 with --quick)",
    },
    serverKeepAliveMs: { type: 'int', min: 100, max: 120_000, help: "the server's keep-alive timeout, ms (default 15000)" },
  },
  async run(ctx) {
    return toLessonResult(await run(withFlags(ctx.quick ? quickOptions : defaultOptions, ctx.flags), ctx.progress));
  },
});
