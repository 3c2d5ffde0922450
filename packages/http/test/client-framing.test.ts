import { describe, expect, it } from 'vitest';
import { HttpClient } from '../src/client/client.js';
import { HttpClientError } from '../src/client/client-errors.js';
import { clientTestKit, ok } from './client-fixtures.js';
import type { Reply, ScriptedServer, SeenRequest } from './client-fixtures.js';

describe('client response framing (RFC 9112 §6.3)', () => {
  const kit = clientTestKit();
  async function serve(script: (req: SeenRequest) => Reply): Promise<{ s: ScriptedServer; c: HttpClient }> {
    return { s: await kit.serve(script), c: kit.client({ retry: false }) };
  }

  it('reads a Content-Length body and reuses the connection', async () => {
    const { s, c } = await serve(() => ({ raw: ok('hello') }));
    const a = await c.request({ origin: s.origin, path: '/a' });
    const b = await c.request({ origin: s.origin, path: '/b' });
    expect([a.text(), a.framing, a.reused]).toEqual(['hello', 'length', false]);
    expect([b.text(), b.reused, b.connectionId]).toEqual(['hello', true, a.connectionId]);
    expect(s.connections()).toBe(1);
  });

  it('decodes a chunked body with extensions and trailers', async () => {
    const raw =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n';
    const { s, c } = await serve(() => ({ raw }));
    const r = await c.request({ origin: s.origin });
    expect([r.text(), r.framing, r.trailers]).toEqual(['hello world', 'chunked', [['X-Sum', '11']]]);
    expect(r.keepAlive).toBe(true);
  });

  it('reads a close-delimited body to the end and does not reuse the connection', async () => {
    const { s, c } = await serve(() => ({ raw: 'HTTP/1.1 200 OK\r\n\r\nuntil the end', then: 'end' }));
    const a = await c.request({ origin: s.origin });
    expect([a.text(), a.framing, a.keepAlive]).toEqual(['until the end', 'close', false]);
    const b = await c.request({ origin: s.origin });
    expect(b.reused).toBe(false);
    expect(s.connections()).toBe(2);
  });

  it('expects no body after HEAD, 204 and 304 even with a Content-Length', async () => {
    const { s, c } = await serve((req) => ({
      raw:
        req.target === '/204'
          ? 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n'
          : req.target === '/304'
            ? 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n'
            : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n',
    }));
    const head = await c.request({ origin: s.origin, method: 'HEAD', path: '/head' });
    const nc = await c.request({ origin: s.origin, path: '/204' });
    const nm = await c.request({ origin: s.origin, path: '/304' });
    for (const r of [head, nc, nm]) expect([r.body.length, r.framing]).toEqual([0, 'none']);
    expect([head.status, nc.status, nm.status]).toEqual([200, 204, 304]);
    expect(nm.connectionId).toBe(head.connectionId); // still in step: no phantom body was read
  });

  it('skips interim 1xx responses and returns the final one', async () => {
    const { s, c } = await serve(() => ({
      raw: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${ok('final')}`,
    }));
    const r = await c.request({ origin: s.origin, method: 'PUT', body: 'x' });
    expect([r.status, r.text()]).toEqual([200, 'final']);
  });

  it('a body shorter than its Content-Length is a typed error naming the byte counts, and the connection is not reused', async () => {
    const { s, c } = await serve((req) =>
      req.target === '/short' ? { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', then: 'end' } : { raw: ok('fine') },
    );
    const error = await c.request({ origin: s.origin, path: '/short' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpClientError);
    expect((error as HttpClientError).code).toBe('HTTP_CLIENT_BODY_TOO_SHORT');
    expect((error as HttpClientError).message).toMatch(/after 3 of 10 body bytes/);
    const next = await c.request({ origin: s.origin, path: '/next' });
    expect(next.reused).toBe(false);
  });

  it('bytes after a complete body are a typed error, and the connection is not reused', async () => {
    const { s, c } = await serve((req) => ({
      raw: req.target === '/long' ? 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world' : ok('fine'),
    }));
    const error = await c.request({ origin: s.origin, path: '/long' }).catch((e: unknown) => e);
    expect((error as HttpClientError).code).toBe('HTTP_CLIENT_EXTRA_BYTES');
    expect((error as HttpClientError).message).toMatch(/6 bytes followed the response body/);
    const next = await c.request({ origin: s.origin, path: '/next' });
    expect([next.text(), next.reused]).toEqual(['fine', false]);
    expect(s.connections()).toBe(2);
  });

  it('a malformed response is HTTP_CLIENT_BAD_RESPONSE with the parser error as cause', async () => {
    const { s, c } = await serve(() => ({ raw: 'HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx' }));
    const error = await c.request({ origin: s.origin }).catch((e: unknown) => e);
    expect((error as HttpClientError).code).toBe('HTTP_CLIENT_BAD_RESPONSE');
    expect((error as HttpClientError).cause).toBeDefined();
  });

  it('an unanswered request times out with HTTP_CLIENT_TIMEOUT', async () => {
    const { s, c } = await serve(() => ({ ignore: true }));
    const error = await c.request({ origin: s.origin, responseTimeoutMs: 150 }).catch((e: unknown) => e);
    expect((error as HttpClientError).code).toBe('HTTP_CLIENT_TIMEOUT');
    expect((error as HttpClientError).message).toMatch(/150 ms/);
  });

  it('rejects what it cannot send before touching the network', async () => {
    const c = kit.client();
    await expect(c.request({ origin: 'https://127.0.0.1:1' })).rejects.toMatchObject({ code: 'HTTP_CLIENT_INVALID_REQUEST' });
    await expect(c.request({ origin: 'http://127.0.0.1:1', headers: { 'X-A': 'a\r\nInjected: 1' } })).rejects.toMatchObject({
      code: 'HTTP_CLIENT_INVALID_REQUEST',
    });
    await expect(c.request({ origin: 'http://127.0.0.1:1', body: 'abc', headers: { 'Content-Length': '2' } })).rejects.toMatchObject({
      code: 'HTTP_CLIENT_INVALID_REQUEST',
    });
  });
});
