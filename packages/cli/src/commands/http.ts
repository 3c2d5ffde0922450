// connlab http serve | get: the persistent HTTP/1.1 server and client of @connlab/http.
import type { Command } from 'commander';
import { Option } from 'commander';
import { createServer, echoHandler, HttpClient } from '@connlab/http';
import type { ClientResponse, Handler } from '@connlab/http';
import { formatMs, median } from '@connlab/lab';
import { examples, requireSubcommand } from '../help.js';
import type { CliIo } from '../io.js';
import { hostPort, plural, say } from '../io.js';
import { parseHeader, parseHttpUrl, parseListenPort, wholeNumber } from '../parsers.js';
import { SHUTDOWN_GRACE_MS, serveUntilStopped } from '../serve.js';
import { connectionNote, phaseBars, phaseLegend } from './http-timing.js';

export const HTTP_DEFAULT_PORT = 8080;

interface ServeOptions {
  host: string;
  port: number;
  echo?: true;
  keepAliveTimeout: number;
  maxRequests: number;
}
interface GetOptions {
  timing?: true;
  pipeline: number;
  repeat: number;
  method: string;
  header?: [string, string][];
  data?: string;
  timeout: number;
}

/** Without --echo: a short text page saying which connection and request this was, so reuse shows in curl too. */
const helloHandler: Handler = (req) => ({
  status: 200,
  headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  body: `hello from connlab: connection #${req.connectionId}, request ${req.index} on it\n`,
});

async function serve(io: CliIo, options: ServeOptions): Promise<void> {
  const server = createServer(options.echo ? echoHandler : helloHandler, {
    keepAliveTimeoutMs: options.keepAliveTimeout,
    maxRequestsPerConnection: options.maxRequests,
  });
  // Method and target by connection and index, to print beside the status.
  const requests = new Map<string, string>();
  server.on('connectionOpen', (c) => say(io, `#${c.id} open from ${hostPort(c.remoteAddress, c.remotePort)}`));
  server.on('request', (req) => requests.set(`${req.connectionId}/${req.index}`, `${req.method} ${req.target}`));
  server.on('response', (r) => {
    const key = `${r.connectionId}/${r.index}`;
    say(io, `#${r.connectionId} request ${r.index}: ${requests.get(key) ?? '?'} → ${r.status}${r.close ? ' (Connection: close)' : ''}`);
    requests.delete(key);
  });
  server.on('connectionClose', (c, reason) => {
    const age = formatMs(Math.max(0, Date.now() - c.startedAt));
    say(io, `#${c.id} closed: ${reason} after ${plural(c.requestsServed, 'response')}, open ${age}`);
  });
  server.on('clientError', (error, c) => say(io, `#${c.id} bad request: ${error.message}`));
  const address = await server.listen(options.port, options.host);
  await serveUntilStopped(io, `listening on http://${hostPort(address.address, address.port)}`, async () => {
    await server.close({ graceMs: SHUTDOWN_GRACE_MS });
    return 'stopped: every connection closed';
  });
}

function printResponse(io: CliIo, res: ClientResponse): void {
  say(io, `HTTP/${res.version} ${res.status} ${res.reason}`, ...res.headers.map(([n, v]) => `${n}: ${v}`), '');
  const body = res.text();
  if (body.length > 0) io.stdout(body.endsWith('\n') ? body : `${body}\n`);
}

async function get(io: CliIo, url: URL, options: GetOptions): Promise<void> {
  // One connection, so --repeat shows reuse and --pipeline queues requests on it.
  const client = new HttpClient({ connections: 1, pipelining: options.pipeline, responseTimeoutMs: options.timeout });
  const request = {
    origin: url.origin,
    method: options.method.toUpperCase(),
    path: `${url.pathname}${url.search}`,
    headers: options.header ?? [],
    ...(options.data === undefined ? {} : { body: options.data }),
  };
  const responses: ClientResponse[] = [];
  try {
    for (let round = 0; round < options.repeat; round++) {
      const batch = Array.from({ length: options.pipeline }, () => client.request(request));
      responses.push(...(await Promise.all(batch)));
    }
  } finally {
    await client.close();
  }
  const first = responses[0]!;
  printResponse(io, first);
  const many = responses.length > 1;
  if (!many && !options.timing) return;

  const scaleMs = Math.max(...responses.map((r) => r.timing.totalMs));
  say(io, '');
  if (options.timing) say(io, `timing (bars to one scale: full width = ${formatMs(scaleMs)})`, ...phaseLegend(responses), '');
  responses.forEach((res, i) => {
    say(io, `request ${i + 1}: ${res.status} ${res.reason}, ${connectionNote(res)}, total ${formatMs(res.timing.totalMs)}`);
    if (options.timing) say(io, ...phaseBars(res, scaleMs));
  });
  if (many) {
    const connections = new Set(responses.map((r) => r.connectionId)).size;
    const reused = responses.filter((r) => r.reused).length;
    const totals = responses.map((r) => r.timing.totalMs);
    say(
      io,
      '',
      `${responses.length} requests on ${plural(connections, 'connection')}, ` +
        `${reused} reused a connection; first ${formatMs(totals[0]!)}, median ${formatMs(median(totals))}`,
    );
  }
}

/** Add `connlab http serve` and `connlab http get`. */
export function registerHttp(program: Command, io: CliIo): void {
  const group = program.command('http').description('a persistent HTTP/1.1 server and client written on net');
  requireSubcommand(group, 'connlab http');
  examples(group, ['connlab http serve --echo', 'connlab http get http://127.0.0.1:8080/ --timing --repeat 3']);

  const serveCmd = group
    .command('serve')
    .description('serve HTTP/1.1 with keep-alive; log each connection opening, each response, and why each connection closed')
    .option('--echo', 'answer with a JSON echo of the request (method, target, headers, body)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .addOption(
      new Option('--port <port>', 'port to listen on; 0 lets the kernel pick one').default(HTTP_DEFAULT_PORT).argParser(parseListenPort),
    )
    .addOption(
      new Option('--keep-alive-timeout <ms>', 'close a connection idle this long after its last response')
        .default(5000)
        .argParser(wholeNumber(1)),
    )
    .addOption(
      new Option('--max-requests <n>', 'responses per connection, the last says Connection: close (0 = no limit)')
        .default(1000)
        .argParser(wholeNumber(0)),
    )
    .action((options: ServeOptions) => serve(io, options));
  examples(
    serveCmd,
    ['connlab http serve --echo', 'connlab http serve --port 0 --keep-alive-timeout 2000 --max-requests 3'],
    [
      'Close reasons: idle-timeout, max-requests, client-close, connection-close, server-close, forced, error, ...',
      'Ctrl-C stops accepting, finishes in-flight requests, closes idle connections, then exits 0.',
    ],
  );

  const getCmd = group
    .command('get')
    .description('send requests on one connection; print the response, and with --timing where the time went')
    .argument('<url>', 'an http:// URL', parseHttpUrl)
    .option('--timing', 'phase bars per request: connect, send, blocked, wait (TTFB), receive')
    .addOption(
      new Option('--repeat <n>', 'send the request n times, one after another, on the same connection')
        .default(1)
        .argParser(wholeNumber(1, 10_000)),
    )
    .addOption(
      new Option('--pipeline <n>', 'send n requests at once each time; the client pipelines them once the connection is known to persist')
        .default(1)
        .argParser(wholeNumber(1, 1000)),
    )
    .option('--method <method>', 'request method', 'GET')
    .addOption(new Option('-H, --header <field>', '"Name: value"; repeat for more').argParser(parseHeader))
    .option('-d, --data <text>', 'request body (adds Content-Length)')
    .addOption(new Option('--timeout <ms>', 'give up on a response after this many ms').default(10_000).argParser(wholeNumber(1)))
    .action((url: URL, options: GetOptions) => get(io, url, options));
  examples(
    getCmd,
    [
      'connlab http get http://127.0.0.1:8080/',
      'connlab http get http://127.0.0.1:8080/ --timing --repeat 3',
      'connlab http get http://127.0.0.1:8080/ --pipeline 4 --timing',
      "connlab http get http://127.0.0.1:8080/ -H 'Connection: close' --repeat 2",
      'connlab http get http://127.0.0.1:8080/form --method POST -d name=value',
    ],
    [
      'The first response is printed in full (status line, fields, body); with --repeat or --pipeline',
      'every request gets one line saying which connection carried it and whether it was reused.',
    ],
  );
}
