import { verdictOf } from '@connlab/lab';
import { netnsAvailability } from '@connlab/netns';
import { describe, expect, it } from 'vitest';
import { doublingRounds, quickOptions, run, segmentsPerRound, startingCwnd } from './experiment.js';
import { modelLessonResult, toLessonResult } from './lesson.js';
import { slowStartModel } from './model.js';

const { mode, reason } = netnsAvailability();
const able = mode !== 'unavailable';

describe('slow start model (used without network namespaces)', () => {
  it('doubles from 10 segments per round trip: 2 MiB take 8 rounds', () => {
    const m = slowStartModel(2 << 20, 40);
    expect(m.rounds.map((r) => r.cwnd)).toEqual([10, 20, 40, 80, 160, 320, 640, 1280]);
    expect(m.ms).toBe(9 * 40);
    expect(slowStartModel(2 << 20, 40, m.finalCwnd).roundTrips).toBe(1);
  });

  it('is labelled as a model, with the reason the measurement was skipped', () => {
    const r = modelLessonResult(2 << 20, 40, 'no namespaces here');
    expect(r.emulated).toMatch(/^MODEL/);
    expect(r.skipped).toMatch(/no namespaces here/);
    expect(r.checks).toEqual([]);
    expect(verdictOf(r)).toBe('skipped');
  });
});

describe('segmentsPerRound', () => {
  const s = (t: number, sent: number) => ({ t, sent, cwnd: 0, acked: 0, ssthresh: 0, rttMs: 40 });

  it('counts the segments sent in RTT-wide windows centred on each round, whatever the ACK gaps', () => {
    // Bursts of 10, 20, 40 a little after each RTT, then a full path: 80 and 160 sent back to back with no gap.
    const samples = [s(0, 10), s(20, 10), s(41, 30), s(60, 30), s(82, 70), s(100, 70), s(121, 110), s(130, 150), s(160, 230), s(175, 310)];
    expect(segmentsPerRound(samples, 40)).toEqual([10, 20, 40, 80, 160]);
  });

  it('counts a late first sample, taken before any ACK could return, as the initial window', () => {
    expect(segmentsPerRound([s(25, 10), s(41, 30), s(81, 70)], 40)).toEqual([10, 20, 40]);
  });

  it('drops the trailing rounds in which nothing more was sent', () => {
    expect(segmentsPerRound([s(0, 10), s(41, 30), s(90, 30), s(200, 30)], 40)).toEqual([10, 20]);
  });

  it('finds the doubling rounds within ±25 % and stops at the first that is not', () => {
    expect(doublingRounds([10, 20, 40, 80, 160, 200, 40], 10)).toBe(5);
    expect(doublingRounds([10, 20, 40, 117, 161], 10)).toBe(3);
    expect(doublingRounds([10, 24, 46, 68], 10)).toBe(4);
  });
});

describe.skipIf(!able)(`slow start over the delay line (${able ? mode : `skipped: ${reason ?? ''}`})`, () => {
  it('a cold connection starts near 10 segments and grows per RTT; warm is faster; idle > RTO cuts the window only with slow_start_after_idle=1', async () => {
    const r = await run(quickOptions);
    const [cold, warm, idleOn, idleOff] = r.transfers;
    expect(r.congestion).toBe('cubic');
    expect(startingCwnd(cold!)).toBeLessThanOrEqual(12);
    // Four doublings at least: 10 → 20 → 40 → 80 → 160, each round within ±25 %.
    const rounds = segmentsPerRound(cold!.samples, cold!.rttMs);
    expect(doublingRounds(rounds, 10), `${rounds.join(' → ')}; frames the line itself dropped: ${r.lineDrops}`).toBeGreaterThanOrEqual(5);
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
