import { sleep, until } from '@connlab/lab';
import { beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../src/server/server.js';
import type { HttpServer, ServerOptions } from '../src/server/server.js';
import type { Handler, CloseReason } from '../src/server/connection.js';
import { readBody } from '../src/server/request.js';
import { connect, header, responses, serversUnderTest, waitResponses } from './harness.js';

const servers = serversUnderTest();

// Every behaviour is checked with both ways of moving bytes (see src/server/handle-io.ts).
let mode: 'handle' | 'stream' = 'handle';

async function start(handler: Handler, options: ServerOptions = {}): Promise<{ server: HttpServer; port: number; reasons: CloseReason[] }> {
  const server = createServer(handler, { socketIo: mode, ...options });
  servers.push(server);
  const reasons: CloseReason[] = [];
  server.on('connectionClose', (_info, reason) => reasons.push(reason));
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, reasons };
}

const hello: Handler = (req) => ({ headers: { 'Content-Type': 'text/plain' }, body: `hello ${req.target}` });
const GET = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

describe.each(['handle', 'stream'] as const)('%s socket I/O', (socketIo) => {
  beforeEach(() => {
    mode = socketIo;
  });

  it('emits request and response events while someone listens, and stops when the listener is removed', async () => {
    const { server, port } = await start(hello);
    const seen: string[] = [];
    const onRequest = (req: { target: string }): void => void seen.push(`request ${req.target}`);
    const onResponse = ({ index, status }: { index: number; status: number }): void => void seen.push(`response ${index} ${status}`);
    server.on('request', onRequest);
    server.on('response', onResponse);
    const c = await connect(port);
    await c.send(GET('/a') + GET('/b'));
    await waitResponses(c, 2);
    server.off('request', onRequest);
    server.off('response', onResponse);
    await c.send(GET('/c'));
    await waitResponses(c, 3);
    expect(seen).toEqual(['request /a', 'request /b', 'response 1 200', 'response 2 200']);
  });

  describe('pipelining', () => {
    it('answers pipelined requests in request order even when handlers finish out of order', async () => {
      const finished: string[] = [];
      const { port } = await start(async (req) => {
        await sleep(req.target === '/1' ? 120 : req.target === '/2' ? 60 : 0);
        finished.push(req.target);
        return { body: req.target };
      });
      const c = await connect(port);
      await c.send(GET('/1') + GET('/2') + GET('/3'));
      const got = await waitResponses(c, 3);
      expect(finished).toEqual(['/3', '/2', '/1']);
      expect(got.map((r) => r.body.toString())).toEqual(['/1', '/2', '/3']);
    });

    it('sends the responses that are ready together in one write', async () => {
      const { port } = await start(hello);
      const c = await connect(port);
      await c.send(Array.from({ length: 8 }, (_, i) => GET(`/${i}`)).join(''));
      await waitResponses(c, 8);
      expect(c.events.filter((e) => e.kind === 'recv')).toHaveLength(1);
    });

    it('stops reading after a request that closes the connection', async () => {
      const seen: string[] = [];
      const { port } = await start((req) => {
        seen.push(req.target);
        return { body: 'x' };
      });
      const c = await connect(port);
      await c.send(GET('/a') + GET('/b', 'Connection: close\r\n') + GET('/c'));
      await c.ended();
      expect(seen).toEqual(['/a', '/b']);
      const got = responses(c);
      expect(got).toHaveLength(2);
      expect(header(got[1]!, 'connection')).toBe('close');
    });
  });

  describe('keep-alive bookkeeping', () => {
    it('closes an idle connection keepAliveTimeoutMs after the LAST response, not the first', async () => {
      const { port, reasons } = await start(hello, { keepAliveTimeoutMs: 400 });
      const c = await connect(port);
      await c.send(GET('/1'));
      await waitResponses(c, 1);
      await sleep(250);
      await c.send(GET('/2'));
      await waitResponses(c, 2);
      const lastResponse = c.events.findLast((e) => e.kind === 'recv')!.at;
      const fin = await c.ended();
      expect(fin - lastResponse).toBeGreaterThan(330);
      expect(fin - lastResponse).toBeLessThan(2500);
      await until('a close reason', () => reasons.length > 0);
      expect(reasons).toEqual(['idle-timeout']);
    });

    it('closes after maxRequestsPerConnection responses, saying Connection: close on the last', async () => {
      const { port, reasons } = await start(hello, { maxRequestsPerConnection: 3 });
      const c = await connect(port);
      for (let i = 1; i <= 3; i++) {
        await c.send(GET(`/${i}`));
        await waitResponses(c, i);
      }
      await c.ended();
      expect(responses(c).map((r) => header(r, 'connection'))).toEqual([undefined, undefined, 'close']);
      await until('a close reason', () => reasons.length > 0);
      expect(reasons).toEqual(['max-requests']);
    });

    it('answers a slow request head (slowloris) with 408 after headersTimeoutMs', async () => {
      const { port, reasons } = await start(hello, { headersTimeoutMs: 300, keepAliveTimeoutMs: 5000 });
      const c = await connect(port);
      const t0 = c.now();
      await c.sendPaced(['GET / HTTP/1.1\r\nHo', 'st: t\r\n'], 100);
      const fin = await c.ended();
      expect(fin - t0).toBeGreaterThan(250);
      expect(responses(c)[0]?.head.status).toBe(408);
      await until('a close reason', () => reasons.length > 0);
      expect(reasons).toEqual(['header-timeout']);
    });

    it('shows the live table: requests served, state, idle time and deadline', async () => {
      const { server, port } = await start(hello, { keepAliveTimeoutMs: 3000 });
      const a = await connect(port);
      const b = await connect(port);
      await a.send(GET('/1') + GET('/2'));
      await b.send(GET('/1'));
      await waitResponses(a, 2);
      await waitResponses(b, 1);
      await sleep(50);
      const table = server.connections().sort((x, y) => x.id - y.id);
      expect(table.map((r) => [r.requestsServed, r.state, r.timer])).toEqual([
        [2, 'idle', 'idle'],
        [1, 'idle', 'idle'],
      ]);
      for (const row of table) {
        expect(row.idleMs).toBeGreaterThanOrEqual(40);
        expect(row.deadline! - Date.now()).toBeGreaterThan(2000);
        expect(row.deadline! - Date.now()).toBeLessThanOrEqual(3000);
      }
    });

    it('reports why each connection closed', async () => {
      const { port, reasons } = await start(hello);
      const a = await connect(port);
      await a.send(GET('/', 'Connection: close\r\n'));
      await a.closed();
      const b = await connect(port);
      await b.send(GET('/'));
      await waitResponses(b, 1);
      b.end();
      await b.closed();
      await until('both close reasons', () => reasons.length === 2);
      expect(reasons).toEqual(['connection-close', 'client-close']);
    });
  });

  describe('HTTP/1.0', () => {
    it('closes after the response unless the client asked for keep-alive', async () => {
      const { port } = await start(hello);
      const c = await connect(port);
      await c.send('GET / HTTP/1.0\r\n\r\n');
      await c.ended();
      expect(header(responses(c)[0]!, 'connection')).toBe('close');
    });

    it('keeps the connection with Connection: keep-alive and says Keep-Alive: timeout, max', async () => {
      const { port } = await start(hello, { keepAliveTimeoutMs: 7000, maxRequestsPerConnection: 3 });
      const c = await connect(port);
      const got = [];
      for (let i = 1; i <= 3; i++) {
        await c.send('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n');
        got.push((await waitResponses(c, i))[i - 1]!);
      }
      expect(got.map((r) => [header(r, 'connection'), header(r, 'keep-alive')])).toEqual([
        ['keep-alive', 'timeout=7, max=2'],
        ['keep-alive', 'timeout=7, max=1'],
        ['close', undefined],
      ]);
      await c.ended();
    });

    it('delimits a streamed body by closing the connection', async () => {
      const { port } = await start((_req, res) => {
        res.write('a');
        res.end('b');
      });
      const c = await connect(port);
      await c.send('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      await c.ended();
      const text = c.received().toString();
      expect(text).toMatch(/Connection: close\r\n\r\nab$/);
      expect(text).not.toMatch(/Content-Length|Transfer-Encoding/);
    });
  });

  describe('responses', () => {
    it('chunks a streamed HTTP/1.1 body and keeps the connection', async () => {
      const { port } = await start(async (_req, res) => {
        res.writeHead(200, { 'X-Test': 'yes' });
        res.write('hel');
        await sleep(10);
        res.end('lo');
      });
      const c = await connect(port);
      await c.send(GET('/') + GET('/'));
      const [r] = await waitResponses(c, 2);
      expect(header(r!, 'transfer-encoding')).toBe('chunked');
      expect(r!.body.toString()).toBe('hello');
    });

    it('sends no body for HEAD (with the GET length), 204 and 304', async () => {
      const { port } = await start((req) => ({
        status: req.target === '/204' ? 204 : req.target === '/304' ? 304 : 200,
        body: 'twelve bytes',
      }));
      const c = await connect(port);
      await c.send(`HEAD / HTTP/1.1\r\nHost: t\r\n\r\n${GET('/204')}${GET('/304')}${GET('/')}`);
      const rs = await waitResponses(c, 4, ['HEAD', 'GET', 'GET', 'GET']);
      expect(rs.map((r) => [r.head.status, header(r, 'content-length'), r.body.length])).toEqual([
        [200, '12', 0],
        [204, undefined, 0],
        [304, undefined, 0],
        [200, '12', 12],
      ]);
    });

    it('answers 500 when a handler throws or rejects, and keeps serving', async () => {
      const { server, port } = await start(async (req) => {
        if (req.target === '/throw') throw new Error('boom');
        if (req.target === '/reject') return Promise.reject(new Error('later boom'));
        return { body: 'fine' };
      });
      const errors: unknown[] = [];
      server.on('handlerError', (e) => errors.push(e));
      const c = await connect(port);
      await c.send(GET('/throw') + GET('/reject') + GET('/ok'));
      const rs = await waitResponses(c, 3);
      expect(rs.map((r) => r.head.status)).toEqual([500, 500, 200]);
      expect(errors).toHaveLength(2);
    });

    it('answers 500 for a synchronous throw and for invalid header values (no response splitting)', async () => {
      const { port } = await start((req, res) => {
        if (req.target === '/sync') throw new Error('sync boom');
        res.setHeader('X-Evil', 'a\r\nSet-Cookie: x=1');
        res.end('never');
      });
      const c = await connect(port);
      await c.send(GET('/sync') + GET('/split'));
      const rs = await waitResponses(c, 2);
      expect(rs.map((r) => r.head.status)).toEqual([500, 500]);
      expect(c.received().toString()).not.toMatch(/Set-Cookie/);
    });

    it('closes after a body longer than its handler-set Content-Length, and after a close-delimited body, each with its own reason', async () => {
      const { port, reasons } = await start((req, res) => {
        if (req.target === '/long') {
          res.writeHead(200, { 'Content-Length': '2' });
          res.end('too long');
          return;
        }
        res.closeDelimited();
        res.write('no length: the FIN ends it');
        res.end();
      });
      for (const target of ['/long', '/undelimited']) {
        const c = await connect(port);
        await c.send(GET(target) + GET('/never-answered'));
        await c.closed();
        expect(c.received().toString()).toMatch(/Connection: close\r\n/);
        expect(
          c
            .received()
            .toString()
            .match(/HTTP\/1\.1 200 /g),
        ).toHaveLength(1); // nothing after the broken framing
      }
      await until('both close reasons', () => reasons.length === 2);
      expect(reasons).toEqual(['length-mismatch', 'undelimited-response']);
    });

    it('closes after a response whose handler-set Content-Length is wrong', async () => {
      const { port, reasons } = await start(() => ({ headers: { 'Content-Length': '10' }, body: 'short' }));
      const c = await connect(port);
      await c.send(GET('/'));
      await c.closed();
      await until('a close reason', () => reasons.length > 0);
      expect(c.received().toString()).toMatch(/Content-Length: 10\r\nConnection: close\r\n\r\nshort$/);
      expect(reasons).toEqual(['length-mismatch']);
    });
  });

  describe('request bodies', () => {
    it('buffers small bodies and decodes chunked ones with trailers', async () => {
      const { port } = await start((req) => ({ body: `${req.body!.toString()}|${req.trailers.join(',')}` }));
      const c = await connect(port);
      await c.send('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc');
      await c.send('POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1;x=y\r\nf\r\n0\r\nT: 1\r\n\r\n');
      const rs = await waitResponses(c, 2);
      expect(rs.map((r) => r.body.toString())).toEqual(['abc|', 'def|T,1']);
    });

    it('streams bodies larger than bodyBufferSize', async () => {
      const { port } = await start(
        async (req) => {
          const streamed = req.stream !== null;
          const body = await readBody(req);
          return { body: `${streamed} ${body.length} ${body.subarray(-3).toString()}` };
        },
        { bodyBufferSize: 1024 },
      );
      const c = await connect(port);
      const big = 'x'.repeat(200_000) + 'end';
      await c.send(`POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${big.length}\r\n\r\n${big}`);
      await c.send(`POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`);
      const rs = await waitResponses(c, 2);
      expect(rs.map((r) => r.body.toString())).toEqual([`true ${big.length} end`, `true ${big.length} end`]);
    });

    it('sends 100 Continue before the body when asked', async () => {
      const { port } = await start((req) => ({ body: req.body! }));
      const c = await connect(port);
      await c.send('PUT / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
      await waitResponses(c, 1);
      expect(responses(c)[0]!.head.status).toBe(100);
      await c.send('data');
      const rs = await waitResponses(c, 2);
      expect(rs[1]!.body.toString()).toBe('data');
    });
  });

  describe('malformed input', () => {
    const cases: [string, string, number, ServerOptions?][] = [
      ['CL with TE', 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
      ['long request-line', `GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: t\r\n\r\n`, 414, { maxRequestLineSize: 256 }],
      ['large header section', `GET / HTTP/1.1\r\nHost: t\r\nX: ${'a'.repeat(300)}\r\n\r\n`, 431, { maxHeaderSize: 256 }],
      ['too many fields', 'GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', 431, { maxHeaderCount: 3 }],
      ['large body', 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n', 413, { maxBodySize: 1000 }],
      ['unknown transfer coding', 'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: zstd, chunked\r\n\r\n', 501],
      ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: t\r\n\r\n', 505],
      ['TLS hello', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03', 400],
    ];
    for (const [name, input, status, options] of cases) {
      it(`answers ${name} with ${status} and Connection: close, then closes cleanly`, async () => {
        const { port, reasons } = await start(hello, options);
        const c = await connect(port, { allowHalfOpen: true }); // outlives the server's FIN, to probe it
        await c.send(Buffer.from(input, 'latin1'));
        await c.ended();
        const r = responses(c)[0]!;
        expect(r.head.status).toBe(status);
        expect(header(r, 'connection')).toBe('close');
        expect(await c.probe()).toBeUndefined(); // the server still reads: it half-closed, it did not reset
        c.end();
        await c.closed();
        expect(c.error).toBeUndefined();
        await until('a close reason', () => reasons.length > 0);
        expect(reasons).toEqual(['parse-error']);
      });
    }

    it('answers earlier pipelined requests before the error', async () => {
      const { port } = await start(hello);
      const c = await connect(port);
      await c.send(`${GET('/ok')}GET / HTTP/1.1\r\nHost : t\r\n\r\n`);
      await c.ended();
      expect(responses(c).map((r) => r.head.status)).toEqual([200, 400]);
    });
  });

  describe('closing', () => {
    it('delivers the last response intact while the client keeps sending (half-close + drain, no RST)', async () => {
      const { port } = await start(hello, { lingerMs: 1000 });
      // Half-open: our socket outlives the server's FIN, so an RST after it is still seen.
      const c = await connect(port, { allowHalfOpen: true });
      await c.send(GET('/last', 'Connection: close\r\n'));
      // Keep sending after the request that closes: a server that simply closed
      // with this unread would make the kernel send RST and the response could be lost.
      const junk = Buffer.alloc(64 * 1024, 'z');
      const pump = c.sendPaced(
        Array.from({ length: 2000 }, () => junk),
        5,
      ); // until the server's FIN
      await c.ended();
      await pump;
      const r = responses(c)[0]!;
      expect(r.body.toString()).toBe('hello /last');
      expect(await c.probe()).toBeUndefined(); // the server still reads: it half-closed, it did not reset
      c.end();
      await c.closed();
      expect(c.error).toBeUndefined();
    });

    it('delivers a 400 intact to a client that keeps sending garbage', async () => {
      const { port } = await start(hello, { lingerMs: 1000 });
      const c = await connect(port);
      await c.send('BAD\x01REQUEST\r\n');
      const garbage = Buffer.alloc(32 * 1024, 'q');
      const pump = c.sendPaced(
        Array.from({ length: 2000 }, () => garbage),
        5,
      ); // until the server's FIN
      await c.ended();
      await pump;
      expect(responses(c)[0]?.head.status).toBe(400);
    });

    it('drops a lingering client after lingerMs', async () => {
      const { server, port, reasons } = await start(hello, { lingerMs: 200 });
      let closedAt = 0;
      server.on('connectionClose', () => {
        closedAt = performance.now();
      });
      const c = await connect(port, { allowHalfOpen: true });
      await c.send(GET('/', 'Connection: close\r\n'));
      const fin = c.t0 + (await c.ended()); // this client never closes its side
      await until('the server to close', () => closedAt > 0);
      expect(closedAt - fin).toBeGreaterThan(150);
      expect(reasons).toEqual(['connection-close']);
    });

    it('emits connectionEnd when its FIN leaves and connectionClose only when the linger ends', async () => {
      const { server, port } = await start(hello, { keepAliveTimeoutMs: 150, lingerMs: 600 });
      const events: { event: string; reason: CloseReason; at: number; state: string }[] = [];
      server.on('connectionEnd', (info, reason) => events.push({ event: 'end', reason, at: performance.now(), state: info.state }));
      server.on('connectionClose', (info, reason) => events.push({ event: 'close', reason, at: performance.now(), state: info.state }));
      const c = await connect(port, { allowHalfOpen: true }); // keeps its side open after our FIN
      await c.send(GET('/'));
      await waitResponses(c, 1);
      await c.ended();
      await until('the end and the close', () => events.length === 2);
      expect(events.map((e) => `${e.event} ${e.reason} ${e.state}`)).toEqual(['end idle-timeout closing', 'close idle-timeout closed']);
      expect(events[1]!.at - events[0]!.at).toBeGreaterThan(400); // the linger (600 ms) lies between them
    });

    it('answers requests sent before the client half-closed', async () => {
      const { port } = await start(async (req) => {
        await sleep(30);
        return { body: req.target };
      });
      const c = await connect(port);
      await c.send(GET('/1') + GET('/2'));
      c.end();
      await c.closed();
      expect(responses(c).map((r) => r.body.toString())).toEqual(['/1', '/2']);
    });

    it('server.close() finishes in-flight requests with Connection: close and closes idle ones at once', async () => {
      const { server, port, reasons } = await start(async (req) => {
        await sleep(req.target === '/slow' ? 200 : 0);
        return { body: req.target };
      });
      const idle = await connect(port);
      await idle.send(GET('/quick'));
      await waitResponses(idle, 1);
      const busy = await connect(port);
      await busy.send(GET('/slow'));
      await sleep(50);
      const t0 = idle.now();
      const closing = server.close({ graceMs: 2000 });
      const idleFin = await idle.ended();
      expect(idleFin - t0).toBeLessThan(150);
      const [slow] = await waitResponses(busy, 1);
      expect(slow!.body.toString()).toBe('/slow');
      expect(header(slow!, 'connection')).toBe('close');
      await closing;
      expect(reasons.sort()).toEqual(['server-close', 'server-close']);
    });

    it('server.close() destroys what is still busy after the grace period', async () => {
      const { server, port, reasons } = await start(() => new Promise<void>(() => undefined));
      const c = await connect(port);
      await c.send(GET('/never'));
      await sleep(50);
      const t0 = performance.now();
      await server.close({ graceMs: 200 });
      expect(performance.now() - t0).toBeGreaterThan(150);
      expect(reasons).toEqual(['forced']);
    });
  });

  describe('backpressure', () => {
    it('stops reading pipelined requests while the client does not read the responses', async () => {
      const big = 'x'.repeat(512 * 1024);
      let handled = 0;
      const { port } = await start(
        () => {
          handled++;
          return { body: big };
        },
        { maxPipelinedRequests: 4 },
      );
      const c = await connect(port);
      c.socket.pause(); // read nothing
      const n = 40;
      await c.send(Array.from({ length: n }, (_, i) => GET(`/${i}`)).join(''));
      await sleep(300);
      // Responses fill the kernel's socket buffers (a few MB on loopback), then the server parses no more.
      const whileStuck = handled;
      expect(whileStuck).toBeLessThan(n / 2);
      c.socket.resume();
      // Count bytes (cheap) until the bodies are nearly in, then parse: the heads make the total larger.
      await c.until('the response bodies', (w) => w.receivedBytes >= n * big.length, 15_000);
      expect(await waitResponses(c, n)).toHaveLength(n);
      expect(handled).toBe(n);
    });
  });

  describe('the sweep', () => {
    it('closes idle connections from the idle list and reports each sweep', async () => {
      const { server, port, reasons } = await start(hello, { keepAliveTimeoutMs: 300 });
      const sweeps: { expired: number; remaining: number }[] = [];
      server.on('sweep', (s) => sweeps.push(s));
      const clients = await Promise.all([1, 2, 3].map(() => connect(port)));
      for (const c of clients) await c.send(GET('/'));
      await Promise.all(clients.map((c) => waitResponses(c, 1)));
      expect(server.connections().map((r) => r.state)).toEqual(['idle', 'idle', 'idle']);
      await Promise.all(clients.map((c) => c.ended()));
      await until('all three close reasons', () => reasons.length === 3);
      expect(sweeps.reduce((n, s) => n + s.expired, 0)).toBe(3);
      expect(reasons).toEqual(['idle-timeout', 'idle-timeout', 'idle-timeout']);
      expect(server.connections()).toEqual([]);
    });
  });
});

describe('listening', () => {
  it('reports a port in use as HTTP_SERVER_LISTEN naming host and port', async () => {
    const { port } = await start(hello);
    const second = createServer(hello);
    servers.push(second);
    await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({
      code: 'HTTP_SERVER_LISTEN',
      message: expect.stringContaining(`127.0.0.1:${port}`) as unknown,
    });
  });

  it('rejects nonsense options with the option named', () => {
    expect(() => createServer(hello, { keepAliveTimeoutMs: 0 })).toThrow(/keepAliveTimeoutMs/);
    expect(() => createServer(hello, { maxHeaderSize: 1.5 })).toThrow(/maxHeaderSize/);
  });
});
