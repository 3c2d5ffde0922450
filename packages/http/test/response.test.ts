import { expect, it } from 'vitest';
import type { Handler } from '../src/server/connection.js';
import { createServer } from '../src/server/server.js';
import { connect, header, serversUnderTest, waitResponses } from './harness.js';

const servers = serversUnderTest();

async function exchange(handler: Handler, raw: string): Promise<string> {
  const server = createServer(handler, { date: false });
  servers.push(server);
  const { port } = await server.listen(0);
  const c = await connect(port);
  await c.send(raw);
  await waitResponses(c, 1);
  return c.received().toString('latin1');
}

const GET = 'GET / HTTP/1.1\r\nHost: t\r\n\r\n';

it('writes header fields in the order set, repeated ones as separate lines', async () => {
  const text = await exchange((_req, res) => {
    res.setHeader('X-B', '2').setHeader('Set-Cookie', ['a=1', 'b=2']).appendHeader('X-A', 1);
    res.setHeader('x-b', 'replaced').removeHeader('x-a');
    res.end('ok');
  }, GET);
  expect(text).toBe('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nx-b: replaced\r\nContent-Length: 2\r\n\r\nok');
});

it('owns the framing and connection fields; honours Connection: close from the handler', async () => {
  const text = await exchange(
    () => ({
      headers: { 'Transfer-Encoding': 'gzip', 'Keep-Alive': 'timeout=99', Connection: 'close' },
      body: 'x',
    }),
    GET,
  );
  expect(text).toBe('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx');
});

it('sends a UTF-8 body with its byte length', async () => {
  const text = await exchange(() => ({ body: 'héllo ✓' }), GET);
  expect(text).toMatch(/Content-Length: 10\r\n\r\nh/);
  expect(Buffer.from(text, 'latin1').subarray(-10).toString('utf8')).toBe('héllo ✓');
});

it('delimits an HTTP/1.1 body by closing when the handler asks for it', async () => {
  const server = createServer(
    (_req, res) => {
      res.closeDelimited();
      res.write('a');
      res.end('b');
    },
    { date: false },
  );
  servers.push(server);
  const { port } = await server.listen(0);
  const c = await connect(port);
  await c.send(GET);
  await c.closed();
  expect(c.received().toString()).toBe('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nab');
});

it('rejects statuses outside 200-599 and non-token header names with a 500', async () => {
  const text = await exchange((req) => ({ status: req.target === '/' ? 99 : 200 }), GET);
  expect(text).toMatch(/^HTTP\/1\.1 500 /);
  const named = await exchange((_req, res) => {
    res.setHeader('Bad Name', 'x');
    res.end();
  }, GET);
  expect(named).toMatch(/^HTTP\/1\.1 500 /);
});

it('sends Date unless told not to', async () => {
  const server = createServer(() => ({ body: '' }));
  servers.push(server);
  const { port } = await server.listen(0);
  const c = await connect(port);
  await c.send(GET);
  const [r] = await waitResponses(c, 1);
  expect(Date.parse(header(r!, 'date')!)).toBeGreaterThan(Date.now() - 5000);
});

it('answers a 2xx to CONNECT without Content-Length or Transfer-Encoding, ended by the close', async () => {
  const server = createServer(() => ({ body: 'no tunnel here' }), { date: false });
  servers.push(server);
  const { port } = await server.listen(0);
  const c = await connect(port);
  await c.send('CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n');
  await c.closed();
  expect(c.received().toString()).toBe('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nno tunnel here');
});

it('reuses a serialized head only for the same status, header strings and length: every response of a varied sequence is exact', async () => {
  const HEADERS = { 'Content-Type': 'text/plain' };
  const plans: [number, Record<string, string>, string | Buffer][] = [
    [200, HEADERS, 'hello'],
    [200, HEADERS, 'hello'], // the same again: served from the memo
    [200, HEADERS, 'world'], // same head, another body
    [200, { 'Content-Type': 'text/html' }, 'world'], // another value
    [404, HEADERS, 'world'], // another status
    [200, HEADERS, 'héllo'], // not ASCII: the body goes as UTF-8 bytes, with its byte length
    [200, HEADERS, Buffer.from('bytes')],
    [200, HEADERS, 'hello!'], // another length
    [200, HEADERS, 'hello'],
  ];
  const server = createServer(
    (req, res) => {
      const [status, headers, body] = plans[Number(req.target.slice(1))]!;
      res.writeHead(status, headers);
      res.end(body);
    },
    { date: false },
  );
  servers.push(server);
  const { port } = await server.listen(0);
  const c = await connect(port);
  await c.send(plans.map((_, i) => `GET /${i} HTTP/1.1\r\nHost: t\r\n\r\n`).join(''));
  await waitResponses(c, plans.length);
  const reason = (status: number): string => (status === 200 ? 'OK' : 'Not Found');
  const expected = plans
    .map(([status, headers, body]) => {
      const bytes = Buffer.from(body);
      return `HTTP/1.1 ${status} ${reason(status)}\r\nContent-Type: ${headers['Content-Type']!}\r\nContent-Length: ${bytes.length}\r\n\r\n${bytes.toString('latin1')}`;
    })
    .join('');
  expect(c.received().toString('latin1')).toBe(expected);
});
