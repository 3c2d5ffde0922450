import { sleep } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { clientTestKit, ok, scriptedServer } from './client-fixtures.js';

describe('client pool', () => {
  const kit = clientTestKit();

  it('never opens more connections to an origin than its limit; the rest wait', async () => {
    const s = await kit.serve(() => ({ raw: ok('x'), delayMs: 30 }));
    const c = kit.client({ connections: 2 });
    const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => c.request({ origin: s.origin, path: `/${i}` })));
    expect(s.peakConnections()).toBe(2);
    expect(s.connections()).toBe(2);
    expect(new Set(rs.map((r) => r.connectionId)).size).toBe(2);
    // Waiting for a free connection shows up as queued time.
    expect(Math.max(...rs.map((r) => r.timing.phases.find((p) => p.phase === 'queued')!.end - r.timing.start))).toBeGreaterThan(20);
  });

  it('reuses the most recently used idle connection first (LIFO)', async () => {
    const s = await kit.serve((req) => ({ raw: ok(req.target), delayMs: req.target === '/slow' ? 80 : 0 }));
    const c = kit.client({ connections: 2 });
    const [fast, slow] = [c.request({ origin: s.origin, path: '/fast' }), c.request({ origin: s.origin, path: '/slow' })];
    const first = await fast;
    const second = await slow; // finished last: the most recently used
    const next = await c.request({ origin: s.origin, path: '/next' });
    expect(first.connectionId).not.toBe(second.connectionId);
    expect(next.connectionId).toBe(second.connectionId);
  });

  it('does not reuse a connection after Connection: close', async () => {
    const s = await kit.serve(() => ({ raw: ok('bye', ['Connection: close']) }));
    const c = kit.client();
    const a = await c.request({ origin: s.origin });
    const b = await c.request({ origin: s.origin });
    expect(a.keepAlive).toBe(false);
    expect(b.connectionId).not.toBe(a.connectionId);
  });

  it('honours Keep-Alive: max= by opening a new connection when the server takes no more', async () => {
    let left = 2;
    const s = await kit.serve(() => ({ raw: ok('x', [`Keep-Alive: timeout=5, max=${--left}`]) }));
    const c = kit.client();
    const rs = [];
    for (let i = 0; i < 3; i++) rs.push(await c.request({ origin: s.origin }));
    // max=1 after the first: one more on it; max=0 after the second: a new connection.
    expect(rs.map((r) => r.indexOnConnection)).toEqual([1, 2, 1]);
  });

  it('HTTP/1.0: asks for keep-alive and reuses only when the server echoes it', async () => {
    const s = await kit.serve((req) => ({
      raw:
        req.target === '/ka'
          ? 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok'
          : 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
      ...(req.target === '/ka' ? {} : { then: 'end' as const }),
    }));
    const c = kit.client();
    const a = await c.request({ origin: s.origin, path: '/ka', version: '1.0' });
    const b = await c.request({ origin: s.origin, path: '/plain', version: '1.0' });
    const d = await c.request({ origin: s.origin, path: '/ka', version: '1.0' });
    expect(s.requests[0]?.headers).toContain('keep-alive');
    expect([a.keepAlive, b.reused, b.keepAlive]).toEqual([true, true, false]);
    expect(d.reused).toBe(false);
  });

  it('drops an idle connection when its own idle timeout passes', async () => {
    const s = await kit.serve(() => ({ raw: ok('x') }));
    const c = kit.client({ idleTimeoutMs: 50 });
    const closes: string[] = [];
    c.on('close', (info) => closes.push(info.reason));
    await c.request({ origin: s.origin });
    await sleep(120);
    expect(closes).toEqual(['idle-timeout']);
    const b = await c.request({ origin: s.origin });
    expect(b.reused).toBe(false);
  });

  it('reports a refused connection as HTTP_CLIENT_CONNECT', async () => {
    const s = await scriptedServer(() => ({ raw: ok('x') }));
    const origin = s.origin;
    await s.close();
    const c = kit.client();
    await expect(c.request({ origin })).rejects.toMatchObject({ code: 'HTTP_CLIENT_CONNECT', socketCode: 'ECONNREFUSED' });
  });
});
