import { isRoot, verdictOf } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { cwndPerRound, quickOptions, run, startingCwnd } from './experiment.js';
import { modelLessonResult, toLessonResult } from './lesson.js';
import { slowStartModel } from './model.js';

const root = isRoot() && process.platform === 'linux';

describe('slow start model (used without root)', () => {
  it('doubles from 10 segments per round trip: 2 MiB take 8 rounds', () => {
    const m = slowStartModel(2 << 20, 40);
    expect(m.rounds.map((r) => r.cwnd)).toEqual([10, 20, 40, 80, 160, 320, 640, 1280]);
    expect(m.ms).toBe(9 * 40);
    expect(slowStartModel(2 << 20, 40, m.finalCwnd).roundTrips).toBe(1);
  });

  it('is labelled as a model, with the reason the measurement was skipped', () => {
    const r = modelLessonResult(2 << 20, 40);
    expect(r.emulated).toMatch(/^MODEL/);
    expect(r.skipped).toMatch(/needs root/);
    expect(r.checks).toEqual([]);
    expect(verdictOf(r)).toBe('skipped');
  });
});

describe('cwndPerRound', () => {
  it('splits samples into rounds at gaps in the ACKs', () => {
    const s = (t: number, cwnd: number, acked: number) => ({ t, cwnd, acked, ssthresh: 0, rttMs: 40 });
    expect(cwndPerRound([s(0, 10, 0), s(40, 15, 7000), s(41, 20, 14000), s(80, 30, 20000), s(82, 40, 40000)], 40)).toEqual([10, 20, 40]);
  });
});

describe.skipIf(!root)(`slow start over the delay line (${root ? 'root' : 'skipped: needs root for network namespaces'})`, () => {
  it('a cold connection starts near 10 segments and grows per RTT; warm is faster; idle > RTO cuts the window only with slow_start_after_idle=1', async () => {
    const r = await run(quickOptions);
    const [cold, warm, idleOn, idleOff] = r.transfers;
    expect(r.congestion).toBe('cubic');
    expect(startingCwnd(cold!)).toBeLessThanOrEqual(12);
    const rounds = cwndPerRound(cold!.samples, 40);
    expect(rounds.length).toBeGreaterThanOrEqual(3);
    // The first round of ACKs roughly doubles the window (10 → 20).
    expect(rounds[1]!).toBeGreaterThanOrEqual(15);
    expect(rounds[1]!).toBeLessThanOrEqual(30);
    // No loss on the line: the window only grows, to hundreds of segments.
    const windows = cold!.samples.map((x) => x.cwnd);
    expect(windows.every((w, i) => i === 0 || w >= windows[i - 1]!)).toBe(true);
    expect(Math.max(...windows)).toBeGreaterThan(200);
    expect(warm!.ms).toBeLessThan(cold!.ms);
    expect(startingCwnd(idleOn!)).toBeLessThanOrEqual(20);
    expect(idleOn!.cwndBefore).toBeGreaterThan(100);
    expect(startingCwnd(idleOff!)).toBeGreaterThan(100);
    expect(toLessonResult(r).figures[0]).toMatchObject({ kind: 'line' });
  }, 90_000);
});
