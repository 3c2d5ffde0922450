import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { quickOptions, run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { compare, memoryChecks, toLessonResult } from './lesson.js';

describe('keep-alive vs a new connection per request', () => {
  let r: RunResult;
  const way = (w: 'keep-alive' | 'close') => r.ways.find((x) => x.way === w)!;

  beforeAll(async () => {
    r = await run(quickOptions);
  }, 60_000);

  it('sends the same number of requests both ways against the child server', () => {
    expect(r.ways.map((w) => w.requests)).toEqual([quickOptions.requests, quickOptions.requests]);
  });

  it('accepts one connection per client loop with keep-alive and one per request without', () => {
    expect(way('keep-alive').accepted).toBe(quickOptions.concurrency);
    expect(way('close').accepted).toBe(quickOptions.requests);
  });

  it.skipIf(process.platform !== 'linux')(
    'leaves far fewer TIME_WAIT sockets with keep-alive, all on the server side (Linux: /proc/net/tcp)',
    () => {
      const ka = way('keep-alive').timeWait!;
      const cl = way('close').timeWait!;
      expect(ka.total).toBeLessThanOrEqual(quickOptions.concurrency);
      // A few may be taken over by a new SYN from the same client port; most are there.
      expect(cl.server).toBeGreaterThanOrEqual(quickOptions.requests * 0.8);
      expect(cl.client).toBe(0);
      expect(compare(r)!.timeWaitRatio).toBeGreaterThanOrEqual(10);
    },
  );

  it('serves more requests per second with keep-alive', () => {
    expect(compare(r)!.speedup).toBeGreaterThan(1);
  });

  it('holds some server memory per idle keep-alive connection', () => {
    expect(r.memory.open).toBeGreaterThanOrEqual(quickOptions.idleConnections);
    expect(r.memory.heapPerConnection).toBeGreaterThan(0);
    expect(r.memory.heapPerConnection).toBeLessThan(256 * 1024);
    expect(memoryChecks(r.memory).filter((c) => !c.passed)).toEqual([]);
  });

  it('fails the memory check when the heap did not grow with the connections', () => {
    const flat = {
      ...r.memory,
      heapMid: r.memory.heapBefore + 1000,
      heapAfter: r.memory.heapBefore + 1000,
      heapPerConnectionFirstHalf: 10,
      heapPerConnectionSecondHalf: 0,
      heapNoise: 4000,
    };
    expect(
      memoryChecks(flat)
        .filter((c) => !c.passed)
        .map((c) => c.label),
    ).toEqual([
      expect.stringMatching(/^idle connections cost heap steadily/),
      expect.stringMatching(/^heap growth with the idle connections > 10× the noise/),
    ]);
  });

  it('reports reproduced from the measurement, and not when both ways leave as many TIME_WAIT sockets', () => {
    expect(verdictOf(toLessonResult(r))).toBe('reproduced');
    const same: RunResult = {
      ...r,
      ways: r.ways.map((w) => ({ ...w, accepted: 300, timeWait: { port: 1, client: 0, server: 300, total: 300 } })),
    };
    expect(verdictOf(toLessonResult(same))).toBe('not-reproduced');
  });
});
