import { beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../src/server/server.js';
import type { HttpServer, ServerOptions } from '../src/server/server.js';
import type { Handler, CloseReason } from '../src/server/connection.js';
import { readBody } from '../src/server/request.js';
import { serversUnderTest } from './harness.js';
import { connectRaw, header, sleep, waitFor } from './raw-client.js';

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

  describe('pipelining', () => {
    it('answers pipelined requests in request order even when handlers finish out of order', async () => {
      const finished: string[] = [];
      const { port } = await start(async (req) => {
        await sleep(req.target === '/1' ? 120 : req.target === '/2' ? 60 : 0);
        finished.push(req.target);
        return { body: req.target };
      });
      const c = await connectRaw(port);
      c.write(GET('/1') + GET('/2') + GET('/3'));
      const responses = await c.waitResponses(3);
      expect(finished).toEqual(['/3', '/2', '/1']);
      expect(responses.map((r) => r.body.toString())).toEqual(['/1', '/2', '/3']);
    });

    it('sends the responses that are ready together in one write', async () => {
      const { port } = await start(hello);
      const c = await connectRaw(port);
      c.write(Array.from({ length: 8 }, (_, i) => GET(`/${i}`)).join(''));
      await c.waitResponses(8);
      expect(c.chunks).toHaveLength(1);
    });

    it('stops reading after a request that closes the connection', async () => {
      const seen: string[] = [];
      const { port } = await start((req) => {
        seen.push(req.target);
        return { body: 'x' };
      });
      const c = await connectRaw(port);
      c.write(GET('/a') + GET('/b', 'Connection: close\r\n') + GET('/c'));
      await c.ended;
      expect(seen).toEqual(['/a', '/b']);
      const responses = c.responses();
      expect(responses).toHaveLength(2);
      expect(header(responses[1]!, 'connection')).toBe('close');
    });
  });

  describe('keep-alive bookkeeping', () => {
    it('closes an idle connection keepAliveTimeoutMs after the LAST response, not the first', async () => {
      const { port, reasons } = await start(hello, { keepAliveTimeoutMs: 400 });
      const c = await connectRaw(port);
      c.write(GET('/1'));
      await c.waitResponses(1);
      await sleep(250);
      c.write(GET('/2'));
      await c.waitResponses(2);
      const lastResponse = c.chunks[c.chunks.length - 1]!.at;
      const fin = await c.ended;
      expect(fin - lastResponse).toBeGreaterThan(330);
      expect(fin - lastResponse).toBeLessThan(2500);
      await waitFor(() => reasons.length > 0);
      expect(reasons).toEqual(['idle-timeout']);
    });

    it('closes after maxRequestsPerConnection responses, saying Connection: close on the last', async () => {
      const { port, reasons } = await start(hello, { maxRequestsPerConnection: 3 });
      const c = await connectRaw(port);
      for (let i = 1; i <= 3; i++) {
        c.write(GET(`/${i}`));
        await c.waitResponses(i);
      }
      await c.ended;
      const responses = c.responses();
      expect(responses.map((r) => header(r, 'connection'))).toEqual([undefined, undefined, 'close']);
      await waitFor(() => reasons.length > 0);
      expect(reasons).toEqual(['max-requests']);
    });

    it('answers a slow request head (slowloris) with 408 after headersTimeoutMs', async () => {
      const { port, reasons } = await start(hello, { headersTimeoutMs: 300, keepAliveTimeoutMs: 5000 });
      const c = await connectRaw(port);
      const t0 = performance.now();
      c.write('GET / HTTP/1.1\r\nHo');
      await sleep(100);
      c.write('st: t\r\n');
      const fin = await c.ended;
      expect(fin - t0).toBeGreaterThan(250);
      expect(c.responses()[0]?.head.status).toBe(408);
      await waitFor(() => reasons.length > 0);
      expect(reasons).toEqual(['header-timeout']);
    });

    it('shows the live table: requests served, state, idle time and deadline', async () => {
      const { server, port } = await start(hello, { keepAliveTimeoutMs: 3000 });
      const a = await connectRaw(port);
      const b = await connectRaw(port);
      a.write(GET('/1') + GET('/2'));
      b.write(GET('/1'));
      await a.waitResponses(2);
      await b.waitResponses(1);
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
      const a = await connectRaw(port);
      a.write(GET('/', 'Connection: close\r\n'));
      await a.closed;
      const b = await connectRaw(port);
      b.write(GET('/'));
      await b.waitResponses(1);
      b.socket.end();
      await b.closed;
      await waitFor(() => reasons.length === 2);
      expect(reasons).toEqual(['connection-close', 'client-close']);
    });
  });

  describe('HTTP/1.0', () => {
    it('closes after the response unless the client asked for keep-alive', async () => {
      const { port } = await start(hello);
      const c = await connectRaw(port);
      c.write('GET / HTTP/1.0\r\n\r\n');
      await c.ended;
      expect(header(c.responses()[0]!, 'connection')).toBe('close');
    });

    it('keeps the connection with Connection: keep-alive and says Keep-Alive: timeout, max', async () => {
      const { port } = await start(hello, { keepAliveTimeoutMs: 7000, maxRequestsPerConnection: 3 });
      const c = await connectRaw(port);
      const responses = [];
      for (let i = 1; i <= 3; i++) {
        c.write('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n');
        responses.push((await c.waitResponses(i))[i - 1]!);
      }
      expect(responses.map((r) => [header(r, 'connection'), header(r, 'keep-alive')])).toEqual([
        ['keep-alive', 'timeout=7, max=2'],
        ['keep-alive', 'timeout=7, max=1'],
        ['close', undefined],
      ]);
      await c.ended;
    });

    it('delimits a streamed body by closing the connection', async () => {
      const { port } = await start((_req, res) => {
        res.write('a');
        res.end('b');
      });
      const c = await connectRaw(port);
      c.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      await c.ended;
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
      const c = await connectRaw(port);
      c.write(GET('/') + GET('/'));
      const [r] = await c.waitResponses(2);
      expect(header(r!, 'transfer-encoding')).toBe('chunked');
      expect(r!.body.toString()).toBe('hello');
    });

    it('sends no body for HEAD (with the GET length), 204 and 304', async () => {
      const { port } = await start((req) => ({
        status: req.target === '/204' ? 204 : req.target === '/304' ? 304 : 200,
        body: 'twelve bytes',
      }));
      const c = await connectRaw(port);
      c.write(`HEAD / HTTP/1.1\r\nHost: t\r\n\r\n${GET('/204')}${GET('/304')}${GET('/')}`);
      const rs = await c.waitResponses(4, ['HEAD', 'GET', 'GET', 'GET']);
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
      const c = await connectRaw(port);
      c.write(GET('/throw') + GET('/reject') + GET('/ok'));
      const rs = await c.waitResponses(3);
      expect(rs.map((r) => r.head.status)).toEqual([500, 500, 200]);
      expect(errors).toHaveLength(2);
    });

    it('answers 500 for a synchronous throw and for invalid header values (no response splitting)', async () => {
      const { port } = await start((req, res) => {
        if (req.target === '/sync') throw new Error('sync boom');
        res.setHeader('X-Evil', 'a\r\nSet-Cookie: x=1');
        res.end('never');
      });
      const c = await connectRaw(port);
      c.write(GET('/sync') + GET('/split'));
      const rs = await c.waitResponses(2);
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
        const c = await connectRaw(port);
        c.write(GET(target) + GET('/never-answered'));
        await c.closed;
        expect(c.received().toString()).toMatch(/Connection: close\r\n/);
        expect(
          c
            .received()
            .toString()
            .match(/HTTP\/1\.1 200 /g),
        ).toHaveLength(1); // nothing after the broken framing
      }
      await waitFor(() => reasons.length === 2);
      expect(reasons).toEqual(['length-mismatch', 'undelimited-response']);
    });

    it('closes after a response whose handler-set Content-Length is wrong', async () => {
      const { port, reasons } = await start(() => ({ headers: { 'Content-Length': '10' }, body: 'short' }));
      const c = await connectRaw(port);
      c.write(GET('/'));
      await c.closed;
      await waitFor(() => reasons.length > 0);
      expect(c.received().toString()).toMatch(/Content-Length: 10\r\nConnection: close\r\n\r\nshort$/);
      expect(reasons).toEqual(['length-mismatch']);
    });
  });

  describe('request bodies', () => {
    it('buffers small bodies and decodes chunked ones with trailers', async () => {
      const { port } = await start((req) => ({ body: `${req.body!.toString()}|${req.trailers.join(',')}` }));
      const c = await connectRaw(port);
      c.write('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc');
      c.write('POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1;x=y\r\nf\r\n0\r\nT: 1\r\n\r\n');
      const rs = await c.waitResponses(2);
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
      const c = await connectRaw(port);
      const big = 'x'.repeat(200_000) + 'end';
      c.write(`POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${big.length}\r\n\r\n${big}`);
      c.write(`POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`);
      const rs = await c.waitResponses(2);
      expect(rs.map((r) => r.body.toString())).toEqual([`true ${big.length} end`, `true ${big.length} end`]);
    });

    it('sends 100 Continue before the body when asked', async () => {
      const { port } = await start((req) => ({ body: req.body! }));
      const c = await connectRaw(port);
      c.write('PUT / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
      await c.waitResponses(1);
      expect(c.responses()[0]!.head.status).toBe(100);
      c.write('data');
      const rs = await c.waitResponses(2);
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
        const c = await connectRaw(port);
        c.write(Buffer.from(input, 'latin1'));
        await c.ended;
        const r = c.responses()[0]!;
        expect(r.head.status).toBe(status);
        expect(header(r, 'connection')).toBe('close');
        const closed = await c.closed;
        expect(closed.error).toBeNull();
        await waitFor(() => reasons.length > 0);
        expect(reasons).toEqual(['parse-error']);
      });
    }

    it('answers earlier pipelined requests before the error', async () => {
      const { port } = await start(hello);
      const c = await connectRaw(port);
      c.write(`${GET('/ok')}GET / HTTP/1.1\r\nHost : t\r\n\r\n`);
      await c.ended;
      expect(c.responses().map((r) => r.head.status)).toEqual([200, 400]);
    });
  });

  describe('closing', () => {
    it('delivers the last response intact while the client keeps sending (half-close + drain, no RST)', async () => {
      const { port } = await start(hello, { lingerMs: 1000 });
      const c = await connectRaw(port);
      c.write(GET('/last', 'Connection: close\r\n'));
      // Keep sending after the request that closes: a server that simply closed
      // with this unread would make the kernel send RST and the response could be lost.
      const junk = Buffer.alloc(64 * 1024, 'z');
      const state = { sending: true };
      const pump = (async () => {
        while (state.sending && !c.socket.destroyed) {
          c.socket.write(junk);
          await sleep(5);
        }
      })();
      await c.ended;
      state.sending = false;
      await pump;
      const r = c.responses()[0]!;
      expect(r.body.toString()).toBe('hello /last');
      const closed = await c.closed;
      expect(closed.error).toBeNull();
    });

    it('delivers a 400 intact to a client that keeps sending garbage', async () => {
      const { port } = await start(hello, { lingerMs: 1000 });
      const c = await connectRaw(port);
      c.write('BAD\x01REQUEST\r\n');
      const state = { sending: true };
      const pump = (async () => {
        while (state.sending && !c.socket.destroyed) {
          c.socket.write(Buffer.alloc(32 * 1024, 'q'));
          await sleep(5);
        }
      })();
      await c.ended;
      state.sending = false;
      await pump;
      expect(c.responses()[0]?.head.status).toBe(400);
    });

    it('drops a lingering client after lingerMs', async () => {
      const { server, port, reasons } = await start(hello, { lingerMs: 200 });
      let closedAt = 0;
      server.on('connectionClose', () => {
        closedAt = performance.now();
      });
      const c = await connectRaw(port, { halfOpen: true });
      c.write(GET('/', 'Connection: close\r\n'));
      const fin = await c.ended; // this client never closes its side
      await waitFor(() => closedAt > 0);
      expect(closedAt - fin).toBeGreaterThan(150);
      expect(reasons).toEqual(['connection-close']);
    });

    it('emits connectionEnd when its FIN leaves and connectionClose only when the linger ends', async () => {
      const { server, port } = await start(hello, { keepAliveTimeoutMs: 150, lingerMs: 600 });
      const events: { event: string; reason: CloseReason; at: number; state: string }[] = [];
      server.on('connectionEnd', (info, reason) => events.push({ event: 'end', reason, at: performance.now(), state: info.state }));
      server.on('connectionClose', (info, reason) => events.push({ event: 'close', reason, at: performance.now(), state: info.state }));
      const c = await connectRaw(port, { halfOpen: true }); // keeps its side open after our FIN
      c.write(GET('/'));
      await c.waitResponses(1);
      await c.ended;
      await waitFor(() => events.length === 2, 3000);
      expect(events.map((e) => `${e.event} ${e.reason} ${e.state}`)).toEqual(['end idle-timeout closing', 'close idle-timeout closed']);
      expect(events[1]!.at - events[0]!.at).toBeGreaterThan(400); // the linger (600 ms) lies between them
    });

    it('answers requests sent before the client half-closed', async () => {
      const { port } = await start(async (req) => {
        await sleep(30);
        return { body: req.target };
      });
      const c = await connectRaw(port);
      c.write(GET('/1') + GET('/2'));
      c.socket.end();
      await c.closed;
      expect(c.responses().map((r) => r.body.toString())).toEqual(['/1', '/2']);
    });

    it('server.close() finishes in-flight requests with Connection: close and closes idle ones at once', async () => {
      const { server, port, reasons } = await start(async (req) => {
        await sleep(req.target === '/slow' ? 200 : 0);
        return { body: req.target };
      });
      const idle = await connectRaw(port);
      idle.write(GET('/quick'));
      await idle.waitResponses(1);
      const busy = await connectRaw(port);
      busy.write(GET('/slow'));
      await sleep(50);
      const t0 = performance.now();
      const closing = server.close({ graceMs: 2000 });
      const idleFin = await idle.ended;
      expect(idleFin - t0).toBeLessThan(150);
      const [slow] = await busy.waitResponses(1);
      expect(slow!.body.toString()).toBe('/slow');
      expect(header(slow!, 'connection')).toBe('close');
      await closing;
      expect(reasons.sort()).toEqual(['server-close', 'server-close']);
    });

    it('server.close() destroys what is still busy after the grace period', async () => {
      const { server, port, reasons } = await start(() => new Promise<void>(() => undefined));
      const c = await connectRaw(port);
      c.write(GET('/never'));
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
      const c = await connectRaw(port);
      c.socket.pause(); // read nothing
      const n = 40;
      c.write(Array.from({ length: n }, (_, i) => GET(`/${i}`)).join(''));
      await sleep(300);
      // Responses fill the kernel's socket buffers (a few MB on loopback), then the server parses no more.
      const whileStuck = handled;
      expect(whileStuck).toBeLessThan(n / 2);
      c.socket.resume();
      const bytes = (): number => c.chunks.reduce((sum, ch) => sum + ch.data.length, 0);
      await waitFor(() => bytes() >= n * big.length, 15_000);
      expect(c.responses()).toHaveLength(n);
      expect(handled).toBe(n);
    });
  });

  describe('the sweep', () => {
    it('closes idle connections from the idle list and reports each sweep', async () => {
      const { server, port, reasons } = await start(hello, { keepAliveTimeoutMs: 300 });
      const sweeps: { expired: number; remaining: number }[] = [];
      server.on('sweep', (s) => sweeps.push(s));
      const clients = await Promise.all([1, 2, 3].map(() => connectRaw(port)));
      for (const c of clients) c.write(GET('/'));
      await Promise.all(clients.map((c) => c.waitResponses(1)));
      expect(server.connections().map((r) => r.state)).toEqual(['idle', 'idle', 'idle']);
      await Promise.all(clients.map((c) => c.ended));
      await waitFor(() => reasons.length === 3);
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
