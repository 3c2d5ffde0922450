import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './experiment.js';
import type { ModeResult, RunResult } from './experiment.js';
import { lesson, toLessonResult, wireChecks } from './lesson.js';

describe('lesson 05: Nagle + delayed ACK, measured', () => {
  let result: RunResult;
  let nagle: ModeResult, nodelay: ModeResult, oneWrite: ModeResult;
  beforeAll(async () => {
    result = await run({ requests: 10, bodyBytes: 100 });
    [nagle, nodelay, oneWrite] = result.modes as [ModeResult, ModeResult, ModeResult];
  }, 60_000);

  it('runs Nagle on, TCP_NODELAY and one write, in that order', () => {
    expect(nagle).toMatchObject({ mode: 'nagle', noDelay: false });
    expect(nodelay).toMatchObject({ mode: 'nodelay', noDelay: true });
    expect(oneWrite).toMatchObject({ mode: 'one-write', noDelay: false });
  });

  it('stalls write-write-read with Nagle on, for about a delayed ACK', () => {
    expect(nagle.medianMs).toBeGreaterThan(20);
    expect(nagle.medianMs).toBeLessThan(250);
  });

  it('does not stall with TCP_NODELAY or with one write', () => {
    expect(nodelay.medianMs).toBeLessThan(10);
    expect(oneWrite.medianMs).toBeLessThan(10);
  });

  it('reports the effect reproduced', () => {
    expect(verdictOf(toLessonResult(result))).toBe('reproduced');
  });
});

describe('lesson 05: its verdicts', () => {
  it('reports the effect as not reproduced when there is no stall', () => {
    const flat = (mode: 'nagle' | 'nodelay' | 'one-write') => ({
      mode,
      clientPort: 0,
      noDelay: mode === 'nodelay',
      latenciesMs: [0.1, 0.1],
      medianMs: 0.1,
      p90Ms: 0.1,
      stalled: 0,
      fastBeforeFirstStall: 2,
    });
    const result = toLessonResult({ options: { requests: 2, bodyBytes: 100 }, modes: [flat('nagle'), flat('nodelay'), flat('one-write')] });
    expect(verdictOf(result)).toBe('not-reproduced');
    expect(result.checks.filter((c) => !c.passed).map((c) => c.label)).toEqual([expect.stringMatching(/^Nagle on/)]);
    expect(result.figures[0]).toMatchObject({ kind: 'histogram' });
  });

  it('fails the packet check without held ACKs, with short ones, or with bodies held under TCP_NODELAY', () => {
    const found = { heldMs: [41, 43], medianHeldMs: 42, released: { nagle: 2, nodelay: 0 }, excerpt: [] };
    expect(wireChecks(found).every((c) => c.passed)).toBe(true);
    expect(wireChecks({ ...found, heldMs: [], medianHeldMs: Number.NaN }).every((c) => c.passed)).toBe(false);
    expect(wireChecks({ ...found, heldMs: [5], medianHeldMs: 5 }).every((c) => c.passed)).toBe(false);
    expect(wireChecks({ ...found, released: { nagle: 2, nodelay: 1 } }).every((c) => c.passed)).toBe(false);
  });

  it('is a lesson the tour can run', () => {
    expect(lesson).toMatchObject({ number: 5, slug: 'nagle', needsRoot: 'no' });
  });
});
