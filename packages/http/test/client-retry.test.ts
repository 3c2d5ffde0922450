import { describe, expect, it } from 'vitest';
import { HttpClientError } from '../src/client/client-errors.js';
import { clientTestKit, ok } from './client-fixtures.js';

describe('client retries', () => {
  const kit = clientTestKit();

  // Answers `k` requests per connection, then closes without a word
  // (no Connection: close), dropping whatever else was pipelined.
  const closesAfter = (k: number) =>
    kit.serve((req) =>
      req.index <= k ? { raw: ok(`${req.method} ${req.target}`), ...(req.index === k ? { then: 'end' as const } : {}) } : { ignore: true },
    );

  it('retries unanswered pipelined GETs once on a new connection', async () => {
    const s = await closesAfter(3);
    const c = kit.client({ connections: 1, pipelining: 8 });
    const retried: string[] = [];
    c.on('retry', (info) => retried.push(info.path));
    const rs = await Promise.all([1, 2, 3, 4, 5].map((i) => c.request({ origin: s.origin, path: `/${i}` })));
    expect(rs.map((r) => r.text())).toEqual([1, 2, 3, 4, 5].map((i) => `GET /${i}`));
    expect(rs.map((r) => r.attempts)).toEqual([1, 1, 1, 2, 2]);
    expect(retried).toEqual(['/4', '/5']);
    expect(rs[3]!.connectionId).not.toBe(rs[0]!.connectionId);
    expect(rs[3]!.retriedAfter).toBeDefined();
    expect(rs[3]!.timing.phases[0]!.phase).toBe('failed-attempt');
  });

  it('stops at a Connection: close response and retries what was pipelined behind it, even if the server never closes', async () => {
    // The server says close on its 2nd answer but leaves the socket open and ignores the rest.
    const s = await kit.serve((req) =>
      req.index <= 2 ? { raw: ok(req.target, req.index === 2 ? ['Connection: close'] : []) } : { ignore: true },
    );
    const c = kit.client({ connections: 1, pipelining: 4, responseTimeoutMs: 2000 });
    await c.request({ origin: s.origin, path: '/warm' });
    const rs = await Promise.all(['/a', '/b', '/c'].map((path) => c.request({ origin: s.origin, path })));
    expect(rs.map((r) => r.text())).toEqual(['/a', '/b', '/c']);
    expect(rs.map((r) => r.attempts)).toEqual([1, 2, 2]);
    expect(rs[0]!.keepAlive).toBe(false);
  });

  it('does not retry a POST: it fails with HTTP_CLIENT_NOT_RETRIED saying it may have been processed', async () => {
    // The server takes the POST and closes without answering: did it process it? The client cannot know.
    const s = await kit.serve((req) => (req.method === 'POST' ? { ignore: true, then: 'end', delayMs: 30 } : { raw: ok('x') }));
    const c = kit.client({ connections: 1 });
    let retries = 0;
    c.on('retry', () => retries++);
    const warm = await c.request({ origin: s.origin, path: '/warm' });
    const error = await c.request({ origin: s.origin, method: 'POST', path: '/order', body: 'one book' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpClientError);
    expect((error as HttpClientError).code).toBe('HTTP_CLIENT_NOT_RETRIED');
    expect((error as HttpClientError).message).toMatch(/may or may not have processed it/);
    expect((error as HttpClientError).attempts).toBe(1);
    expect(s.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(retries).toBe(0);
    // The same failure on a GET is retried and answered.
    const s2 = await kit.serve((req) => (req.index === 2 ? { ignore: true, then: 'end', delayMs: 30 } : { raw: ok('x') }));
    try {
      await c.request({ origin: s2.origin, path: '/warm' });
      const get = await c.request({ origin: s2.origin, path: '/again' });
      expect([get.status, get.attempts]).toEqual([200, 2]);
    } finally {
      await s2.close();
    }
    expect(warm.status).toBe(200);
  });

  it('retries a GET only once: a second failure is reported', async () => {
    const s = await kit.serve((req) => (req.connection === 1 && req.index === 1 ? { raw: ok('x') } : { ignore: true, then: 'destroy' }));
    const c = kit.client({ connections: 1 });
    await c.request({ origin: s.origin, path: '/warm' });
    const error = await c.request({ origin: s.origin, path: '/again' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HTTP_CLIENT_SOCKET', attempts: 2 });
  });

  it('does not retry when the connection was new: the server is failing, not racing', async () => {
    const s = await kit.serve(() => ({ ignore: true, then: 'destroy' }));
    const c = kit.client();
    let retries = 0;
    c.on('retry', () => retries++);
    await expect(c.request({ origin: s.origin })).rejects.toMatchObject({ code: 'HTTP_CLIENT_SOCKET', attempts: 1 });
    expect(retries).toBe(0);
  });
});
