// Issue 13: a graceful close that loses nothing, body timeouts, the status of a
// bad streamed body, the cap on empty lines, and standards edges (RFC-cited).
import { sleep, until } from '@connlab/lab';
import type { Wire } from '@connlab/lab';
import { beforeEach, describe, expect, it } from 'vitest';
import { HttpBodyError, HttpParseError } from '../src/shared/errors.js';
import { echoHandler } from '../src/server/echo.js';
import { createServer } from '../src/server/server.js';
import type { HttpServer, ServerOptions } from '../src/server/server.js';
import type { CloseReason, Handler } from '../src/server/connection.js';
import { readBody } from '../src/server/request.js';
import type { HttpRequest } from '../src/server/request.js';
import { connect, header, responses, serversUnderTest, waitResponses } from './harness.js';

const servers = serversUnderTest();

let mode: 'handle' | 'stream' = 'handle';

async function start(
  handler: Handler,
  options: ServerOptions = {},
): Promise<{ server: HttpServer; port: number; reasons: CloseReason[]; handlerErrors: unknown[] }> {
  const server = createServer(handler, { socketIo: mode, ...options });
  servers.push(server);
  const reasons: CloseReason[] = [];
  const handlerErrors: unknown[] = [];
  server.on('connectionClose', (_info, reason) => reasons.push(reason));
  server.on('handlerError', (error) => handlerErrors.push(error));
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, reasons, handlerErrors };
}

const lengthOfBody: Handler = async (req) => ({ body: String((await readBody(req)).length) });
const POST = (length: number, extra = ''): string => `POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: ${length}\r\n${extra}\r\n`;
const GET = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

/** Write `total` bytes in `pieces` equal writes spread over `overMs`; stops when the server ends or the socket is gone. */
async function streamBody(c: Wire, total: number, pieces: number, overMs: number): Promise<void> {
  const piece = Buffer.alloc(total / pieces, 'b');
  await c.sendPaced(
    Array.from({ length: pieces }, () => piece),
    overMs / pieces,
  );
}

/** One response (or none) per connection once each is closed. */
async function outcomes(clients: Wire[]): Promise<{ status: number | null; close: boolean; body: string }[]> {
  await Promise.all(clients.map((c) => c.closed()));
  return clients.map((c) => {
    const r = responses(c, ['POST'])[0];
    return r
      ? { status: r.head.status, close: header(r, 'connection') === 'close', body: r.body.toString() }
      : { status: null, close: false, body: '' };
  });
}

describe.each(['handle', 'stream'] as const)('%s socket I/O', (socketIo) => {
  beforeEach(() => {
    mode = socketIo;
  });

  describe('graceful close', () => {
    const CLIENTS = 50;
    const BODY = 256 * 1024;

    it('answers every request whose head arrived: 50 clients streaming 256 KiB over 1 s, close at 0.5 s, graceMs 2000', async () => {
      const { server, port, reasons } = await start(lengthOfBody);
      const idle = await connect(port);
      await idle.send(GET('/warm'));
      await waitResponses(idle, 1);
      const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connect(port)));
      const t0 = performance.now();
      for (const c of clients) await c.send(POST(BODY));
      const pumps = clients.map((c) => streamBody(c, BODY, 16, 1000));
      await sleep(500);
      const report = await server.close({ graceMs: 2000 });
      const elapsed = performance.now() - t0;
      await Promise.all(pumps);
      const got = await outcomes(clients);
      expect(got.filter((o) => o.status === 200 && o.body === String(BODY) && o.close)).toHaveLength(CLIENTS);
      expect(report).toMatchObject({ closedAtOnce: 1, busy: CLIENTS, answered: CLIENTS, cut: 0, forced: 0 });
      expect(elapsed).toBeGreaterThan(900); // the bodies took their second: nothing was cut short
      expect(elapsed).toBeLessThan(2500); // and nothing waited for the grace period
      expect(reasons.filter((r) => r === 'server-close')).toHaveLength(CLIENTS + 1);
      await expect(connect(port)).rejects.toThrow(/ECONNREFUSED/); // not accepting any more
    });

    it('cuts what is unfinished when graceMs is too short, and reports how many requests it cut', async () => {
      const { server, port, reasons } = await start(lengthOfBody);
      const clients = await Promise.all(Array.from({ length: 10 }, () => connect(port)));
      for (const c of clients) await c.send(POST(BODY));
      const pumps = clients.map((c) => streamBody(c, BODY, 16, 1000));
      await sleep(200);
      const t0 = performance.now();
      const report = await server.close({ graceMs: 300 });
      const elapsed = performance.now() - t0;
      await Promise.all(pumps);
      const got = await outcomes(clients);
      expect(got.every((o) => o.status === null)).toBe(true);
      expect(report).toMatchObject({ closedAtOnce: 0, busy: 10, answered: 0, cut: 10, forced: 10 });
      expect(elapsed).toBeGreaterThan(250);
      expect(reasons).toEqual(Array.from({ length: 10 }, () => 'forced'));
    });

    it('closes a connection whose request head is incomplete at once, and finishes a pipelined request already read', async () => {
      const { server, port } = await start(async (req) => {
        await sleep(150);
        return { body: req.target };
      });
      const partial = await connect(port);
      await partial.send('GET /half HTTP/1.1\r\nHo');
      const busy = await connect(port);
      await busy.send(GET('/1') + GET('/2') + 'GET /3 HTTP/1.1\r\n'); // /3's head is cut: it was never a request
      await until('two requests on the busy connection', () => server.connections().some((c) => c.requestsReceived === 2));
      const report = await server.close({ graceMs: 2000 });
      expect(report).toMatchObject({ closedAtOnce: 1, busy: 1, answered: 2, cut: 0, forced: 0 });
      expect(partial.received().length).toBe(0);
      const rs = responses(busy);
      expect(rs.map((r) => r.body.toString())).toEqual(['/1', '/2']);
      expect(rs.map((r) => header(r, 'connection') ?? '')).toEqual(['', 'close']);
    });
  });

  describe('idle connections hold no parser (issue 16: memory per idle connection)', () => {
    it('gives the parser back when idle, takes one on the next byte, and still counts error offsets from the connection start', async () => {
      const { server, port } = await start((req) => ({ body: req.target }));
      const a = await connect(port);
      const b = await connect(port);
      await a.send(GET('/a1'));
      await waitResponses(a, 1);
      await b.send(GET('/b1'));
      await waitResponses(b, 1);
      await until('both connections to be idle', () => server.connections().every((c) => c.state === 'idle'));
      expect(server.spareParsers).toHaveLength(1); // two idle connections, one parser between them (b took a's)
      await a.send(GET('/a2'));
      await waitResponses(a, 2);
      const bad = 'GET /b2 HTTP/1.1\r\nHost : t\r\n\r\n';
      await b.send(bad);
      await b.ended();
      const r = responses(b)[1]!;
      expect(r.head.status).toBe(400);
      expect(r.body.toString()).toContain(`(at byte ${GET('/b1').length + bad.indexOf(' :')})`);
      expect(responses(a).map((x) => x.body.toString())).toEqual(['/a1', '/a2']);
    });
  });

  describe('body timeouts', () => {
    it('answers 408 and closes when the body stalls for bodyTimeoutMs (buffered and streamed)', async () => {
      const errors: unknown[] = [];
      const { port, reasons } = await start(
        async (req) => {
          try {
            return { body: String((await readBody(req)).length) };
          } catch (error) {
            errors.push(error);
            throw error;
          }
        },
        { bodyTimeoutMs: 300 },
      );
      const small = await connect(port);
      const large = await connect(port);
      const t0 = performance.now();
      await small.send(`${POST(100)}abc`);
      await large.send(`${POST(200_000)}${'x'.repeat(70_000)}`);
      const [s, l] = await Promise.all([waitResponses(small, 1), waitResponses(large, 1)]);
      const elapsed = performance.now() - t0;
      for (const r of [s[0]!, l[0]!]) {
        expect(r.head.status).toBe(408);
        expect(header(r, 'connection')).toBe('close');
      }
      expect(elapsed).toBeGreaterThan(250);
      expect(elapsed).toBeLessThan(3000);
      await until('both close reasons', () => reasons.length === 2);
      expect(reasons).toEqual(['body-timeout', 'body-timeout']);
      expect(errors).toHaveLength(1); // only the streamed body reached its handler
      expect(errors[0]).toBeInstanceOf(HttpBodyError);
      expect((errors[0] as HttpBodyError).code).toBe('HTTP_BODY_TIMEOUT');
    });

    it('answers 408 when a body trickles (1 byte per 100 ms, never silent for bodyTimeoutMs) past requestTimeoutMs', async () => {
      const { port, reasons } = await start(lengthOfBody, { bodyTimeoutMs: 400, headersTimeoutMs: 500, requestTimeoutMs: 1000 });
      const c = await connect(port);
      const t0 = performance.now();
      await c.send(POST(100));
      const trickle = c.sendPaced(
        Array.from({ length: 100 }, () => 'x'),
        100,
      ); // until the server's FIN
      const [r] = await waitResponses(c, 1, [], 5000);
      const elapsed = performance.now() - t0;
      const sent = await trickle;
      expect(r!.head.status).toBe(408);
      expect(r!.body.toString()).toMatch(/requestTimeoutMs 1000/);
      expect(elapsed).toBeGreaterThan(950);
      expect(elapsed).toBeLessThan(3000);
      expect(sent).toBeGreaterThan(5); // it kept sending: the idle-between-reads timer alone never fired
      await until('the close reason', () => reasons.length === 1);
      expect(reasons).toEqual(['request-timeout']);
    });

    it('does not count the time a handler leaves its body unread against the client', async () => {
      const { port } = await start(
        async (req) => {
          await sleep(600);
          return { body: String((await readBody(req)).length) };
        },
        { bodyTimeoutMs: 200 },
      );
      const c = await connect(port);
      const big = Buffer.alloc(2 * 1024 * 1024, 'y'); // more than the socket buffers: reading stops until the handler reads
      await c.send(POST(big.length));
      void c.send(big); // the kernel takes it only as the handler reads
      const [r] = await waitResponses(c, 1, ['POST'], 5000);
      expect(r!.head.status).toBe(200);
      expect(r!.body.toString()).toBe(String(big.length));
    });

    it('defaults to 60 s between body reads and 300 s for the whole request, and rejects a request timeout below the head timeout', () => {
      const server = createServer(lengthOfBody);
      expect([server.bodyTimeoutMs, server.requestTimeoutMs, server.headersTimeoutMs]).toEqual([60_000, 300_000, 10_000]);
      expect(() => createServer(lengthOfBody, { requestTimeoutMs: 5000 })).toThrow(
        /requestTimeoutMs \(5000\) must be at least headersTimeoutMs \(10000\)/,
      );
      expect(() => createServer(lengthOfBody, { bodyTimeoutMs: 0 })).toThrow(/bodyTimeoutMs/);
    });
  });

  describe('a bad streamed body gets the status of its error, not 500', () => {
    const chunk = (data: string): string => `${data.length.toString(16)}\r\n${data}\r\n`;
    const CHUNKED = 'POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n';

    it.each([
      [
        'a bad chunk-size after 100 KiB → 400',
        {},
        `${chunk('a'.repeat(100 * 1024))}zz\r\n`,
        400,
        'HTTP_BODY_MALFORMED',
        'HTTP_PARSE_INVALID_CHUNK_SIZE',
      ],
      [
        'chunk data without its CRLF after 100 KiB → 400',
        {},
        `${chunk('a'.repeat(100 * 1024))}5\r\nabcdeXX`,
        400,
        'HTTP_BODY_MALFORMED',
        'HTTP_PARSE_INVALID_CHUNK_DATA',
      ],
      [
        'a chunked body over maxBodySize → 413',
        { maxBodySize: 200 * 1024 },
        chunk('a'.repeat(64 * 1024)).repeat(4),
        413,
        'HTTP_BODY_TOO_LARGE',
        'HTTP_PARSE_BODY_TOO_LARGE',
      ],
    ] as const)(
      "%s: answered with the error's status, and the handler reading it gets an HttpBodyError",
      async (_name, options, body, status, code, cause) => {
        const seen: unknown[] = [];
        const { port, reasons, handlerErrors } = await start(async (req) => {
          try {
            await readBody(req);
          } catch (error) {
            seen.push(error);
            throw error; // a handler that rethrows: still not a 500
          }
          return { body: 'unreachable' };
        }, options);
        const c = await connect(port);
        await c.send(CHUNKED + body);
        await c.ended();
        const rs = responses(c, ['POST']);
        expect(rs.map((r) => r.head.status)).toEqual([status]);
        expect(header(rs[0]!, 'connection')).toBe('close');
        expect(seen).toHaveLength(1);
        const error = seen[0] as HttpBodyError;
        expect(error).toBeInstanceOf(HttpBodyError);
        expect([error.code, error.status]).toEqual([code, status]);
        expect(error.cause).toBeInstanceOf(HttpParseError);
        expect((error.cause as HttpParseError).code).toBe(cause);
        expect(handlerErrors).toEqual([]);
        await until('the close reason', () => reasons.length === 1);
        expect(reasons).toEqual(['parse-error']);
      },
    );

    it('sends the 4xx even when the handler swallows the error and answers 200', async () => {
      const { port } = await start(async (req) => {
        await readBody(req).catch(() => undefined);
        return { body: 'fine' };
      });
      const c = await connect(port);
      await c.send(`${CHUNKED}${chunk('a'.repeat(100 * 1024))}zz\r\n`);
      await c.ended();
      expect(responses(c, ['POST']).map((r) => r.head.status)).toEqual([400]);
    });
  });

  describe('empty lines before the request-line (RFC 9112 §2.2)', () => {
    it('skips up to 4, answers 400 to more, and does not read 1 MB of them until a timeout', async () => {
      const { port } = await start((req) => ({ body: req.target }));
      const ok = await connect(port);
      await ok.send(`\r\n\r\n\r\n\r\n${GET('/a')}\r\n${GET('/b')}`);
      const rs = await waitResponses(ok, 2);
      expect(rs.map((r) => r.body.toString())).toEqual(['/a', '/b']);
      const five = await connect(port);
      await five.send(`${'\r\n'.repeat(5)}${GET('/c')}`);
      await five.ended();
      expect(responses(five).map((r) => r.head.status)).toEqual([400]);
      const flood = await connect(port);
      const t0 = performance.now();
      void flood.send('\r\n'.repeat(500_000)); // the server stops reading at the fifth empty line
      await flood.ended();
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(responses(flood)[0]!.head.status).toBe(400);
    });
  });

  describe('standards edges', () => {
    it('answers an unknown expectation with 417 (RFC 9110 §10.1.1) and still sends 100 Continue for 100-continue', async () => {
      const { port } = await start(lengthOfBody);
      for (const expect417 of ['Expect: teapot\r\n', 'Expect: 100-continue, x-other\r\n']) {
        const c = await connect(port);
        await c.send(POST(3, expect417));
        await c.ended();
        const r = responses(c, ['POST'])[0]!;
        expect(r.head.status).toBe(417);
        expect(header(r, 'connection')).toBe('close');
      }
      const c = await connect(port);
      await c.send(POST(3, 'Expect: 100-Continue\r\n'));
      await waitResponses(c, 1);
      await c.send('abc');
      const rs = await waitResponses(c, 2, ['POST', 'POST']);
      expect(rs.map((r) => r.head.status)).toEqual([100, 200]);
    });

    it('answers 501 to a method it does not implement (RFC 9110 §9.1), unless listed in `methods`', async () => {
      const { port } = await start((req) => ({ body: req.method }));
      const c = await connect(port);
      await c.send('BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.ended();
      expect(responses(c)[0]!.head.status).toBe(501);
      const dav = await start((req) => ({ body: req.method }), { methods: ['GET', 'PROPFIND'] });
      const d = await connect(dav.port);
      await d.send('PROPFIND / HTTP/1.1\r\nHost: t\r\n\r\n');
      expect((await waitResponses(d, 1))[0]!.body.toString()).toBe('PROPFIND');
      expect(() => createServer(lengthOfBody, { methods: ['GE T'] })).toThrow(/methods/);
    });

    it('keeps trailers apart from the header section and drops the fields a trailer must not carry (RFC 9110 §6.5.1)', async () => {
      const { port } = await start(echoHandler);
      const c = await connect(port);
      await c.send(
        'POST /t HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n' +
          'Content-Length: 99\r\nHost: evil\r\nAuthorization: Basic eA==\r\nContent-Type: text/evil\r\nTransfer-Encoding: gzip\r\nX-Checksum: 1\r\n\r\n',
      );
      const [r] = await waitResponses(c, 1, ['POST']);
      const doc = JSON.parse(r!.body.toString()) as { headers: Record<string, string>; trailers: Record<string, string>; body: string };
      expect(doc.trailers).toEqual({ 'x-checksum': '1' });
      expect(doc.headers).toEqual({ host: 't', 'transfer-encoding': 'chunked' });
      expect(doc.body).toBe('abc');
    });

    it('takes the authority from an absolute-form target over Host (RFC 9112 §3.2.2)', async () => {
      const seen: string[] = [];
      const { port } = await start((req: HttpRequest) => {
        seen.push(req.authority);
        return { body: req.target };
      });
      const c = await connect(port);
      await c.send(
        'GET http://user@a.example:8080/x?y HTTP/1.1\r\nHost: b.example\r\n\r\n' +
          GET('/o') +
          'OPTIONS * HTTP/1.1\r\nHost: c.example\r\n\r\n',
      );
      const rs = await waitResponses(c, 3);
      expect(rs.map((r) => r.head.status)).toEqual([200, 200, 200]);
      expect(seen).toEqual(['a.example:8080', 't', 'c.example']);
    });

    it('collapses a Content-Length list of identical values and answers 400 to differing ones (RFC 9110 §8.6)', async () => {
      const { port } = await start(lengthOfBody);
      const same = await connect(port);
      await same.send(
        'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabcPOST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nde',
      );
      const rs = await waitResponses(same, 2, ['POST', 'POST']);
      expect(rs.map((r) => r.body.toString())).toEqual(['3', '2']);
      for (const lengths of ['Content-Length: 3, 4\r\n', 'Content-Length: 3\r\nContent-Length: 4\r\n']) {
        const c = await connect(port);
        await c.send(`POST / HTTP/1.1\r\nHost: t\r\n${lengths}\r\nabcd`);
        await c.ended();
        expect(responses(c, ['POST']).map((r) => r.head.status)).toEqual([400]);
      }
    });
  });
});
