import { describe, expect, it } from 'vitest';
import { clientTestKit, ok } from './client-fixtures.js';

describe('client pipelining', () => {
  const kit = clientTestKit();

  it('matches pipelined responses to requests in order while the handlers finish out of order', async () => {
    const delays: Record<string, number> = { '/1': 0, '/2': 120, '/3': 0, '/4': 60, '/5': 10, '/6': 0 };
    const s = await kit.serve((req) => ({ raw: ok(`answer for ${req.target}`), delayMs: delays[req.target] ?? 0 }));
    const c = kit.client({ connections: 1, pipelining: 8 });
    const paths = Object.keys(delays);
    const rs = await Promise.all(paths.map((path) => c.request({ origin: s.origin, path })));
    expect(rs.map((r) => r.text())).toEqual(paths.map((p) => `answer for ${p}`));
    expect(s.connections()).toBe(1);
    // The first request goes alone (persistence unknown); the others were pipelined behind it.
    expect(rs[0]!.pipelined).toBe(false);
    expect(rs.slice(2).every((r) => r.pipelined)).toBe(true);
    // The server had /3../6 before it answered /2: they really were in flight together.
    const at = (t: string) => s.requests.find((r) => r.target === t)!.at;
    expect(at('/6')).toBeLessThan(at('/2') + 100);
    // Time spent behind the slow /2 shows up as the "blocked" phase of /3.
    const blocked = rs[2]!.timing.phases.find((p) => p.phase === 'blocked');
    expect(blocked && blocked.end - blocked.start).toBeGreaterThan(50);
  });

  it('does not pipeline before a response has shown the connection persists', async () => {
    const s = await kit.serve(() => ({ raw: ok('x'), delayMs: 40 }));
    const c = kit.client({ connections: 1, pipelining: 4 });
    await Promise.all([1, 2, 3].map((i) => c.request({ origin: s.origin, path: `/${i}` })));
    const [r1, r2] = s.requests;
    // /2 was sent only after /1's response (40 ms later), not with it.
    expect(r2!.at - r1!.at).toBeGreaterThan(30);
  });

  it('never queues a POST behind others, and nothing goes behind a POST', async () => {
    const s = await kit.serve(() => ({ raw: ok('x'), delayMs: 40 }));
    const c = kit.client({ connections: 1, pipelining: 8 });
    await c.request({ origin: s.origin, path: '/warm' }); // now known persistent
    const all = await Promise.all([
      c.request({ origin: s.origin, path: '/a' }),
      c.request({ origin: s.origin, path: '/b' }),
      c.request({ origin: s.origin, method: 'POST', path: '/order', body: 'x' }),
      c.request({ origin: s.origin, path: '/c' }),
    ]);
    const [a, b, post, cc] = all;
    expect([a.pipelined, b.pipelined]).toEqual([false, true]);
    expect(post.pipelined).toBe(false);
    expect(cc.pipelined).toBe(false);
    const at = (t: string) => s.requests.find((r) => r.target === t)!.at;
    expect(at('/order') - at('/b')).toBeGreaterThan(30); // waited for /a and /b to finish
    expect(at('/c') - at('/order')).toBeGreaterThan(30); // waited for the POST
  });

  it('limits the depth of the pipeline', async () => {
    const s = await kit.serve(() => ({ raw: ok('x'), delayMs: 5 }));
    const c = kit.client({ connections: 1, pipelining: 3 });
    await c.request({ origin: s.origin });
    let peak = 0;
    const pool = c.poolFor(s.origin);
    const watch = setInterval(() => {
      peak = Math.max(peak, ...pool.snapshot().map((x) => x.inFlight));
    }, 1);
    await Promise.all(Array.from({ length: 12 }, () => c.request({ origin: s.origin })));
    clearInterval(watch);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);
  });
});
