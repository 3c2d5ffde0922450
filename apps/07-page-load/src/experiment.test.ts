import { beforeAll, describe, expect, it } from 'vitest';
import { delayLineUnavailable } from '@connlab/netlab';
import { run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { modelChecks, toLessonResult } from './lesson.js';
import { roundTrips } from './model.js';

/** The book's claims about a run, one `it` each, on the result `get` returns. */
function itOrdersAsTheBook(get: () => RunResult): void {
  const by = (strategy: string) => get().results.find((r) => r.strategy === strategy)!.load;
  const images = () => get().options.images;

  it('opens one connection per object without persistence, one in all with it', () => {
    expect(by('serial').connections).toBe(images() + 1);
    expect(by('parallel').connections).toBe(images() + 1);
    expect(by('persistent').connections).toBe(1);
    expect(by('pipelined').connections).toBe(1);
    // Kept-alive pool: at most one connection per object, at most six.
    expect(by('parallel-persistent').connections).toBe(Math.min(images(), 6));
  });

  it('delivers every object, the pipelined images really pipelined', () => {
    for (const r of get().results) expect(r.load.objects).toHaveLength(images() + 1);
    expect(by('pipelined').objects.filter((o) => o.pipelined).length).toBeGreaterThanOrEqual(images() - 2);
  });

  it('orders the strategies as the book does', () => {
    expect(by('pipelined').totalMs).toBeLessThan(by('persistent').totalMs);
    expect(by('persistent').totalMs).toBeLessThan(by('serial').totalMs);
    expect(by('parallel').totalMs).toBeLessThan(by('serial').totalMs);
    expect(by('parallel-persistent').totalMs).toBeLessThan(by('persistent').totalMs);
  });

  it('takes each total at least its round trips (the model is a lower bound)', () => {
    for (const r of get().results) expect(r.load.totalMs).toBeGreaterThan(0.9 * r.modelMs);
    expect(modelChecks(get()).filter((c) => !c.passed)).toEqual([]);
  });

  it('draws five waterfalls', () => {
    expect(toLessonResult(get()).figures.filter((f) => f.kind === 'waterfall')).toHaveLength(5);
  });
}

describe('five ways to load a page: the model', () => {
  it('counts round trips as the model says', () => {
    expect([
      roundTrips('serial', 8, 4),
      roundTrips('parallel', 8, 4),
      roundTrips('persistent', 8, 4),
      roundTrips('pipelined', 8, 4),
    ]).toEqual([18, 6, 10, 3]);
    expect(roundTrips('parallel', 9, 4)).toBe(2 + 2 * 3);
    // HTML (2), then the HTML's connection and 5 new ones: images 1-7 by 2 RTT, the 8th at 3.
    expect(roundTrips('parallel-persistent', 8, 4)).toBe(5);
    expect(roundTrips('parallel-persistent', 6, 4)).toBe(4);
    expect(roundTrips('parallel-persistent', 1, 4)).toBe(3);
  });
});

describe('five ways to load a page through the fault relay', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await run({ wan: 'relay', rttMs: 30, images: 4, parallel: 2 });
  }, 60_000);

  it('runs on the relay', () => {
    expect(result.link).toBe('relay');
  });

  itOrdersAsTheBook(() => result);

  it('labels relay evidence emulated, never reproduced', () => {
    expect(toLessonResult(result).checks.every((c) => c.emulated)).toBe(true);
  });
});

const why = delayLineUnavailable();
describe.skipIf(why !== undefined)(
  `five ways to load a page over the delay line (root or rootless)${why ? ` [skipped: ${why}]` : ''}`,
  () => {
    let result: RunResult;
    beforeAll(async () => {
      result = await run({ wan: 'delay-line', rttMs: 40, images: 4, parallel: 2 });
    }, 90_000);

    it('runs on the delay line, with no emulated check', () => {
      expect(result.link).toBe('delay-line');
      expect(toLessonResult(result).checks.some((c) => c.emulated)).toBe(false);
    });

    itOrdersAsTheBook(() => result);

    it('makes each new connection pay its handshake: about one round trip', () => {
      const connect = result.results.find((r) => r.strategy === 'serial')!.load.objects.map((o) => o.transaction.phases.connect);
      for (const ms of connect) expect(ms).toBeGreaterThan(30);
    });
  },
);
