import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { quickOptions, run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { lateSlackMs, timing, toLessonResult, wireCheck } from './lesson.js';

const T = quickOptions.timeoutMs;

describe('keep-alive timeout semantics', () => {
  let r: RunResult;

  beforeAll(async () => {
    r = await run(quickOptions);
  }, 60_000);

  it('answers every spaced request on one connection', () => {
    expect(r.exchanges).toHaveLength(quickOptions.requests);
    expect(r.serverReason).toBe('idle-timeout');
  });

  it('sends the FIN one timeout after the LAST response, not before and not much later', () => {
    const t = timing(r)!;
    // Never before the server's deadline (last response written + T, on the server's clock) …
    expect(t.finAfterDeadline).toBeGreaterThanOrEqual(-2);
    // … and close to one timeout after the last response as the client saw it.
    expect(t.finAfterLast).toBeGreaterThan(T / 2);
    expect(t.finAfterLast).toBeLessThanOrEqual(T + lateSlackMs(T));
    // Counted from the first response it would have fired long before.
    expect(t.finAfterFirst).toBeGreaterThan(T + quickOptions.gapMs);
    expect(Math.abs(t.measuredLifetime - t.predictedLifetime)).toBeLessThan(lateSlackMs(T));
  });

  it('moves the server deadline to response time + timeout after every response', () => {
    const deadlines = r.exchanges.map((e) => e.deadlineAt!);
    r.exchanges.forEach((e) => {
      expect(e.deadlineAt).not.toBeNull();
      expect(Math.abs(e.deadlineAt! - (e.respondedAt + T))).toBeLessThan(100);
    });
    expect([...deadlines].sort((a, b) => a - b)).toEqual(deadlines);
    expect(deadlines[2]! - deadlines[0]!).toBeGreaterThan(quickOptions.gapMs);
  });

  it('answers no request written after the FIN: lost while draining, refused once the socket is gone', () => {
    expect(r.afterFin.responseBytes).toBe(0);
    expect(r.afterFin.writeError).toBeUndefined();
    expect(r.afterGone.responseBytes).toBe(0);
    expect(`${r.afterGone.writeError ?? ''} ${r.afterGone.socketError ?? ''} ${r.afterGone.secondWriteError ?? ''}`).toMatch(
      /EPIPE|ECONNRESET/,
    );
  });

  it.skipIf(process.platform !== 'linux')(
    'leaves the TIME_WAIT socket on the server side, the active closer (Linux: /proc/net/tcp)',
    () => {
      expect(r.timeWait.available).toBe(true);
      expect(r.timeWait.server).toBe(1);
      expect(r.timeWait.client).toBe(0);
      expect(r.timeWait.remainingMs).toBeGreaterThan(30_000);
    },
  );

  it('reports reproduced from the timings, and not for a timer counted from the first response', () => {
    expect(verdictOf(toLessonResult(r))).toBe('reproduced');
    const first = r.exchanges[0]!;
    const fromFirst: RunResult = { ...r, exchanges: [first], finAt: first.respondedAt + T };
    expect(verdictOf(toLessonResult(fromFirst))).toBe('not-reproduced');
  });

  it('fails the packet check for a FIN before the timeout, long after it, or never', () => {
    const found = { lines: [], excerpt: [], finAfterLastMs: T + 1 };
    expect(wireCheck(found, T).passed).toBe(true);
    expect(wireCheck({ ...found, finAfterLastMs: T / 2 }, T).passed).toBe(false);
    expect(wireCheck({ ...found, finAfterLastMs: T + lateSlackMs(T) + 1 }, T).passed).toBe(false);
    expect(wireCheck({ ...found, finAfterLastMs: Number.NaN }, T).passed).toBe(false);
  });
});
