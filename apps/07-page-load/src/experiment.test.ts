import { describe, expect, it } from 'vitest';
import { delayLineUnavailable } from '@connlab/netlab';
import { run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { modelChecks, toLessonResult } from './lesson.js';
import { roundTrips } from './model.js';

function check(result: RunResult): void {
  const by = Object.fromEntries(result.results.map((r) => [r.strategy, r]));
  const images = result.options.images;
  // Connections: one per object without persistence, one in all with it.
  expect(by.serial?.load.connections).toBe(images + 1);
  expect(by.parallel?.load.connections).toBe(images + 1);
  expect(by.persistent?.load.connections).toBe(1);
  expect(by.pipelined?.load.connections).toBe(1);
  // Kept-alive pool: at most one connection per object, at most six.
  expect(by['parallel-persistent']?.load.connections).toBe(Math.min(images, 6));
  // Every object arrived, the pipelined images really were pipelined.
  for (const r of result.results) expect(r.load.objects).toHaveLength(images + 1);
  expect(by.pipelined?.load.objects.filter((o) => o.pipelined).length).toBeGreaterThanOrEqual(images - 2);
  // The book's ordering, and each total at least its round trips (the model is a lower bound).
  expect(by.pipelined!.load.totalMs).toBeLessThan(by.persistent!.load.totalMs);
  expect(by.persistent!.load.totalMs).toBeLessThan(by.serial!.load.totalMs);
  expect(by.parallel!.load.totalMs).toBeLessThan(by.serial!.load.totalMs);
  expect(by['parallel-persistent']!.load.totalMs).toBeLessThan(by.persistent!.load.totalMs);
  for (const r of result.results) expect(r.load.totalMs).toBeGreaterThan(0.9 * r.modelMs);
  expect(modelChecks(result).filter((c) => !c.passed)).toEqual([]);
  expect(toLessonResult(result).figures.filter((f) => f.kind === 'waterfall')).toHaveLength(5);
}

describe('five ways to load a page', () => {
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

  it('through the fault relay, the strategies order as the book says', async () => {
    const result = await run({ wan: 'relay', rttMs: 30, images: 4, parallel: 2 });
    expect(result.link).toBe('relay');
    check(result);
    // Relay evidence never counts as reproduced.
    expect(toLessonResult(result).checks.every((c) => c.emulated)).toBe(true);
  });

  const why = delayLineUnavailable();
  it.skipIf(why !== undefined)(
    `over the delay line (root or rootless), handshakes cost a round trip too${why ? ` [skipped: ${why}]` : ''}`,
    async () => {
      const result = await run({ wan: 'delay-line', rttMs: 40, images: 4, parallel: 2 });
      expect(result.link).toBe('delay-line');
      check(result);
      expect(toLessonResult(result).checks.some((c) => c.emulated)).toBe(false);
      // A new connection's connect phase is the handshake: about one RTT.
      const connect = result.results.find((r) => r.strategy === 'serial')!.load.objects.map((o) => o.transaction.phases.connect);
      for (const ms of connect) expect(ms).toBeGreaterThan(30);
    },
  );
});
