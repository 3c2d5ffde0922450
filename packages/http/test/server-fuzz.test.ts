// Random bytes at the server: every connection is answered or closed, nothing
// throws out of the server, and a well-formed request still works afterwards.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer } from '../src/server/server.js';
import type { HttpServer } from '../src/server/server.js';
import { connect, destroyClients, waitResponses } from './harness.js';

let server: HttpServer;
let port = 0;
const errors: unknown[] = [];

beforeAll(async () => {
  server = createServer((req) => ({ body: req.target }), { headersTimeoutMs: 500, keepAliveTimeoutMs: 500, lingerMs: 200 });
  server.on('handlerError', (e) => errors.push(e));
  port = (await server.listen(0)).port;
});

afterAll(async () => {
  destroyClients();
  await server.close({ graceMs: 100 });
});

const piece = fc.oneof(
  fc.constantFrom(
    'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc',
    'Transfer-Encoding: chunked\r\n',
    '\r\n',
    '\n',
    ' ',
    ':',
    'HTTP/1.0',
    '0\r\n\r\n',
    'Content-Length: 1\r\n',
    'Connection: close\r\n',
  ),
  fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a).toString('latin1')),
);

it('survives arbitrary input on many connections', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (pieces) => {
      const c = await connect(port);
      await c.send(Buffer.from(pieces.join(''), 'latin1'));
      c.end();
      await c.closed(); // the server answers and closes, or times out the head, or sees our FIN
      const ok = await connect(port);
      await ok.send('GET /alive HTTP/1.1\r\nHost: a\r\n\r\n');
      const [r] = await waitResponses(ok, 1);
      expect(r!.body.toString()).toBe('/alive');
      ok.destroy();
    }),
    { numRuns: 60 },
  );
  expect(errors).toEqual([]);
});
