// Persistent HTTP/1.1 connections and message framing, on the wire.
//
// A connection can carry another message only if the receiver can tell where
// this one ends (RFC 9112 §6.3, §9.3): Content-Length or chunked. A response
// without either is delimited by the close, so it ends the connection. A
// Content-Length that does not match the bytes sent breaks the framing of
// everything after it; a client notices only if it looks.
import { sleep, Wire } from '@connlab/lab';
import { createServer, getHeader, parseMessages } from '@connlab/http';
import type { BodyFraming, CloseReason, Handler, HttpServer } from '@connlab/http';

export type CaseName =
  'persistent-then-close' | 'no-length-http11' | 'no-length-http10-keep-alive' | 'body-too-long' | 'body-smuggled' | 'body-too-short';

/** A response as a client that trusts every framing field parses it. */
export interface ResponseSeen {
  status: number;
  framing: BodyFraming;
  /** The Content-Length field ('' when absent). */
  contentLength: string;
  transferEncoding: string;
  connection: string;
  body: string;
}

export interface CaseResult {
  name: CaseName;
  requestsSent: number;
  /** Responses the trusting parse found in everything received (request order). */
  responses: ResponseSeen[];
  /** The parse error that stopped the trusting parse (after the FIN), if any. */
  parseError: { code: string; message: string } | null;
  /** Response bytes that arrived beyond the first response's declared end while no other request was outstanding. */
  unsolicitedBytes: number;
  /** Single-request cases: bytes after the first response's head, whatever its header said (the server closes after them). */
  bytesAfterHead: number;
  /** Did the server send its FIN? */
  serverFin: boolean;
  serverReason: CloseReason | null;
  transcript: string[];
}

export interface RunOptions {
  /** How long to wait after a response for bytes that should not be there, or a FIN. */
  settleMs: number;
  waitMs: number;
  /** How the UTF-8 route counts its Content-Length: 'characters' (the bug the lesson shows) or 'bytes' (right). */
  utf8Length: 'characters' | 'bytes';
}

export const defaultOptions: RunOptions = { settleMs: 150, waitMs: 3000, utf8Length: 'characters' };

const HOST = '127.0.0.1';
/** A realistic bug: Content-Length taken from the string's length in characters, not its UTF-8 bytes. */
export const UTF8_TEXT = 'naïve café ☕\n';
/** A body that happens to contain a complete HTTP response. */
export const SMUGGLED = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\nnot from this server!\n';
export const SHORT_DECLARED = 64;
export const SHORT_BODY = 'only twenty bytes..\n';

/** The server's routes: one per framing the lesson shows. */
export const handler: Handler = (req, res) => handlerFor('characters')(req, res);

/** The routes, with the UTF-8 route's Content-Length counted one way or the other. */
export const handlerFor =
  (utf8Length: RunOptions['utf8Length']): Handler =>
  (req, res) => {
    switch (req.target) {
      case '/fixed':
        return { headers: { 'Content-Type': 'text/plain' }, body: 'length known in advance\n' };
      case '/stream':
        // Written in pieces: chunked on HTTP/1.1; an HTTP/1.0 client cannot read chunked, so there it is close-delimited.
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('piece 1\n');
        res.write('piece 2\n');
        res.end();
        return;
      case '/stream-no-length':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.closeDelimited();
        res.write('piece 1\n');
        res.write('piece 2\n');
        res.end();
        return;
      case '/body-longer-than-length':
        res.writeHead(200, {
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Length': utf8Length === 'bytes' ? Buffer.byteLength(UTF8_TEXT) : UTF8_TEXT.length,
        });
        res.end(UTF8_TEXT);
        return;
      case '/body-holds-a-response':
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 3 });
        res.end(`hi\n${SMUGGLED}`);
        return;
      case '/body-shorter-than-length':
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': SHORT_DECLARED });
        res.end(SHORT_BODY);
        return;
      default:
        return { status: 404, body: 'not found\n' };
    }
  };

const get = (target: string, version = '1.1', connection?: string): string =>
  `GET ${target} HTTP/${version}\r\nHost: ${HOST}\r\n${connection ? `Connection: ${connection}\r\n` : ''}\r\n`;

function seen(head: { status: number; framing: BodyFraming; rawHeaders: string[] }, body: Buffer): ResponseSeen {
  return {
    status: head.status,
    framing: head.framing,
    contentLength: getHeader(head.rawHeaders, 'content-length') ?? '',
    transferEncoding: getHeader(head.rawHeaders, 'transfer-encoding') ?? '',
    connection: getHeader(head.rawHeaders, 'connection') ?? '',
    body: body.toString('utf8'),
  };
}

/** Offset where the first complete response ends, by its own framing; -1 while incomplete. */
function firstResponseEnd(bytes: Buffer): number {
  for (let n = 1; n <= bytes.length; n++) {
    // Cheap enough for a few hundred bytes: find the shortest prefix holding one response.
    if (parseMessages({ type: 'response' }, [bytes.subarray(0, n)]).messages.length >= 1) return n;
  }
  return -1;
}

async function converse(server: HttpServer, name: CaseName, requests: string[], options: RunOptions): Promise<CaseResult> {
  const reasons = new Map<number, CloseReason>();
  const onClose = (info: { remotePort: number }, reason: CloseReason): void => {
    reasons.set(info.remotePort, reason);
  };
  server.on('connectionClose', onClose);
  const wire = await Wire.connect(server.address().port);
  const port = wire.socket.localPort ?? 0;
  let unsolicited = 0;
  let sent = 0;
  try {
    // Every request is sent, even into a closing connection: what is not answered is part of the lesson.
    for (const req of requests) {
      await wire.send(req);
      sent++;
      const want = sent;
      // A response framed by the close is complete only at the FIN.
      await wire.waitFor((b) => parseMessages({ type: 'response' }, [b]).messages.length >= want, options.waitMs);
    }
    // Anything more (bytes or a FIN) shows up now.
    await wire.waitEnd(options.settleMs);
    if (sent === 1) {
      const end = firstResponseEnd(wire.received());
      if (end !== -1) unsolicited = wire.receivedBytes - end;
    }
  } finally {
    wire.end();
    await wire.waitClose(options.waitMs);
    wire.destroy();
    const deadline = performance.now() + options.waitMs;
    while (!reasons.has(port) && performance.now() < deadline) await sleep(5);
    server.off('connectionClose', onClose);
  }
  // The trusting client: every framing field believed, the next response read from where this one "ended".
  const all = parseMessages({ type: 'response' }, [wire.received()], {
    end: wire.endedAt !== null,
    methods: requests.map(() => 'GET').concat('GET'),
  });
  const received = wire.received();
  const headEnd = received.indexOf('\r\n\r\n');
  return {
    name,
    requestsSent: sent,
    responses: all.messages.map((m) => seen(m.head, m.body)),
    parseError: all.error ? { code: all.error.code, message: all.error.message } : null,
    unsolicitedBytes: unsolicited,
    bytesAfterHead: sent === 1 && headEnd !== -1 ? received.length - headEnd - 4 : Number.NaN,
    serverFin: wire.endedAt !== null,
    serverReason: reasons.get(port) ?? null,
    transcript: wire.transcript(),
  };
}

export interface RunResult {
  cases: CaseResult[];
}

/** Run the six conversations against one server. */
export async function run(options: RunOptions = defaultOptions): Promise<RunResult> {
  const server = createServer(handlerFor(options.utf8Length), { date: false });
  await server.listen(0, HOST);
  try {
    return {
      cases: [
        await converse(
          server,
          'persistent-then-close',
          [get('/fixed'), get('/stream'), get('/fixed', '1.1', 'close'), get('/fixed')],
          options,
        ),
        await converse(server, 'no-length-http11', [get('/stream-no-length'), get('/fixed')], options),
        await converse(
          server,
          'no-length-http10-keep-alive',
          [get('/stream', '1.0', 'Keep-Alive'), get('/fixed', '1.0', 'Keep-Alive')],
          options,
        ),
        await converse(server, 'body-too-long', [get('/body-longer-than-length')], options),
        await converse(server, 'body-smuggled', [get('/body-holds-a-response')], options),
        await converse(server, 'body-too-short', [get('/body-shorter-than-length')], options),
      ],
    };
  } finally {
    await server.close({ graceMs: 1000 });
  }
}
