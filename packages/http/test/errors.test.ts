// One error base for the package: whatever @connlab/http throws or rejects
// with is an HttpError carrying a stable HTTP_* code. Each error here is
// produced the way a user meets it, on real sockets.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, HttpBodyError, HttpClient, HttpError, parseMessages } from '../src/index.js';
import type { HttpServer } from '../src/index.js';
import * as clientEntry from '../src/client/index.js';
import * as parserEntry from '../src/parser/index.js';
import * as serverEntry from '../src/server/index.js';

const servers: HttpServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close({ graceMs: 500 });
});

function expectHttpError(error: unknown, code: RegExp): void {
  expect(error).toBeInstanceOf(HttpError);
  expect((error as HttpError).code).toMatch(code);
}

describe('HttpError', () => {
  it('is the base of a parse error', () => {
    const { error } = parseMessages({ type: 'request' }, [Buffer.from('GET / HTTP/1.1\r\nHost : a\r\n\r\n')]);
    expectHttpError(error, /^HTTP_PARSE_WHITESPACE_BEFORE_COLON$/);
  });

  it('is the base of a body error', () => {
    const { error } = parseMessages({ type: 'request' }, [
      Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'),
    ]);
    expectHttpError(HttpBodyError.fromParseError(error!), /^HTTP_BODY_MALFORMED$/);
  });

  it('is the base of a listen error and of a bad response header', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    const second = createServer(() => ({}));
    await expect(second.listen(port, '127.0.0.1')).rejects.toSatisfy(
      (e: unknown) => e instanceof HttpError && e.code === 'HTTP_SERVER_LISTEN',
    );
    blocker.close();

    let thrown: unknown;
    const server = createServer((_req, res) => {
      try {
        res.setHeader('Bad Name', 'x');
      } catch (error) {
        thrown = error;
      }
      res.end('ok');
    });
    servers.push(server);
    const address = await server.listen(0, '127.0.0.1');
    const client = new HttpClient();
    const res = await client.request({ origin: `http://127.0.0.1:${address.port}`, path: '/' });
    await client.close();
    expect(res.status).toBe(200);
    expectHttpError(thrown, /^HTTP_RESPONSE_INVALID_HEADER$/);
  });

  it('is the base of a client error (nothing listening)', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const client = new HttpClient({ retry: false });
    const failure = await client.request({ origin: `http://127.0.0.1:${port}`, path: '/' }).then(
      () => null,
      (error: unknown) => error,
    );
    await client.close();
    expectHttpError(failure, /^HTTP_CLIENT_CONNECT$/);
  });

  it('is exported from the root and from every subpath', () => {
    for (const entry of [clientEntry, parserEntry, serverEntry]) expect(entry.HttpError).toBe(HttpError);
  });
});
