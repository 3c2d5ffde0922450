import { expect, it } from 'vitest';
import { echoHandler, jsonString } from '../src/server/echo.js';
import { createServer } from '../src/server/server.js';
import { connect, header, serversUnderTest, waitResponses } from './harness.js';

const servers = serversUnderTest();

async function echo(
  raw: string,
  methods: string[] = [],
): Promise<{ status: number; type: string | undefined; length: string | undefined; body: string }[]> {
  const server = createServer(echoHandler);
  servers.push(server);
  const { port } = await server.listen(0);
  const c = await connect(port);
  await c.send(Buffer.from(raw, 'latin1'));
  const n = methods.length || 1;
  const rs = await waitResponses(c, n, methods);
  return rs.map((r) => ({
    status: r.head.status,
    type: header(r, 'content-type'),
    length: header(r, 'content-length'),
    body: r.body.toString('latin1'),
  }));
}

it('echoes only requests it accepts: an invalid target gets 400, not an echo', async () => {
  const [r] = await echo('GET /q=%zz HTTP/1.1\r\nHost: h\r\n\r\n');
  expect(r!.status).toBe(400);
  expect(r!.type).toBe('text/plain');
});

it('answers with the documented JSON document, byte for byte', async () => {
  const [r] = await echo(
    'POST /p/a%20th?q=1 HTTP/1.1\r\nHost: h\r\nX-Dup: one \r\nContent-Type: text/odd\r\nx-dup:\ttwo\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '6\r\nab\x00\xe9"\\\r\n0\r\nX-Trailer: t1\r\n\r\n',
  );
  expect(r!.status).toBe(200);
  expect(r!.type).toBe('application/json');
  expect(r!.body).toBe(
    '{"method": "POST", "url": "/p/a%20th?q=1", "version": "1.1", ' +
      '"headers": {"host": "h", "x-dup": "one, two", "content-type": "text/odd", "transfer-encoding": "chunked"}, ' +
      '"trailers": {"x-trailer": "t1"}, "body": "ab\\u0000\\u00e9\\"\\\\"}',
  );
  expect(JSON.parse(r!.body)).toMatchObject({ body: 'ab\x00\xe9"\\', headers: { 'x-dup': 'one, two' } });
  expect(Number(r!.length)).toBe(Buffer.byteLength(r!.body));
});

it('keeps numeric header names in the order received and reports HTTP/1.0', async () => {
  const [s] = await echo('OPTIONS * HTTP/1.0\r\nZ: 1\r\n123: 2\r\n\r\n');
  expect(s!.body).toBe(
    '{"method": "OPTIONS", "url": "*", "version": "1.0", "headers": {"z": "1", "123": "2"}, "trailers": {}, "body": ""}',
  );
});

it('answers HEAD without a body but with the length GET would have', async () => {
  const rs = await echo('HEAD /x HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n', ['HEAD', 'GET']);
  expect(rs[0]!.body).toBe('');
  expect(rs[0]!.length).toBe(String(Buffer.byteLength(rs[1]!.body.replace('"GET"', '"HEAD"'))));
});

it('escapes JSON strings the way Python json.dumps does', () => {
  expect(jsonString('a"b\\c\n\r\t\b\f\x01\x7f\xff/')).toBe('"a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u007f\\u00ff/"');
});
