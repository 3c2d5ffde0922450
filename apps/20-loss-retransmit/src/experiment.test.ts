import { verdictOf } from '@connlab/lab';
import { delayLineUnavailable } from '@connlab/netlab';
import { beforeAll, describe, expect, it } from 'vitest';
import { mathisMbit, runOnLine } from './experiment.js';
import type { RunResult } from './experiment.js';
import { goodputChecks, lossExponent, repairChecks, toLessonResult } from './lesson.js';
import type { SendReport } from './messages.js';

const why = delayLineUnavailable();
if (why) console.warn(`lesson 20 delay-line test skipped: ${why}`);

const report = (ms: number, totalRetrans: number, totalRto: number, sndCwnd: number, goodputMbit = 1): SendReport => ({
  type: 'sent',
  ms,
  bytesAcked: 0,
  goodputMbit,
  totalRetrans,
  totalRto,
  sndMss: 1448,
  sndCwnd,
  rttMs: 40,
  rtoMs: 244,
});

describe('lesson 20: loss and retransmission', () => {
  it('computes the Mathis model: MSS/RTT · 1.22/√p', () => {
    // 1448 B per 40 ms = 289.6 kbit/s; × 1.2247 / 0.1 = 3.55 Mbit/s at 1 %.
    expect(mathisMbit(1448, 40, 0.01)).toBeCloseTo(3.547, 2);
    expect(mathisMbit(1448, 40, 0.04)).toBeCloseTo(mathisMbit(1448, 40, 0.01) / 2, 6);
    expect(
      lossExponent([
        { p: 0.01, mbit: mathisMbit(1448, 40, 0.01) },
        { p: 0.04, mbit: mathisMbit(1448, 40, 0.04) },
        { p: 0.09, mbit: mathisMbit(1448, 40, 0.09) },
      ]),
    ).toBeCloseTo(-0.5, 6);
  });

  it('fails its checks when a loss is repaired by a timeout where it should not be, or goodput does not fall', () => {
    const bad: RunResult = {
      options: { rttMs: 40, segments: 40, midSegment: 15, lossRates: [0.01, 0.04], seconds: 1, congestion: 'reno' },
      mode: 'root',
      mss: 1448,
      cases: [
        { loss: 'none', dropped: [], report: report(130, 0, 0, 50), lineDropped: 0 },
        { loss: 'mid', dropped: [15], report: report(400, 1, 1, 2), lineDropped: 1 },
        { loss: 'tail', dropped: [40], report: report(140, 1, 0, 50), lineDropped: 1 },
        { loss: 'tail-no-tlp', dropped: [40], report: report(150, 1, 0, 50), lineDropped: 1 },
      ],
      goodput: [
        { p: 0.01, report: report(1000, 5, 0, 10, 1), observedLoss: 0.01, modelMbit: 3.5 },
        { p: 0.04, report: report(1000, 5, 0, 10, 2), observedLoss: 0.04, modelMbit: 1.8 },
      ],
    };
    expect(repairChecks(bad).map((c) => c.passed)).toEqual([true, false, false, false, false]);
    expect(goodputChecks(bad).map((c) => c.passed)).toEqual([false, false]);
  });

  it('says why it skipped when there is no delay line', () => {
    const r = toLessonResult({ skipped: 'skipped: loss needs the delay line: no namespaces' });
    expect(verdictOf(r)).toBe('skipped');
  });
});

describe.skipIf(why !== undefined)('lesson 20 over the delay line', () => {
  let result: RunResult;
  let by: Record<string, RunResult['cases'][number]>;
  beforeAll(async () => {
    result = await runOnLine({
      rttMs: 30,
      segments: 30,
      midSegment: 12,
      lossRates: [0.005, 0.05],
      seconds: 1.5,
      congestion: 'reno',
    });
    by = Object.fromEntries(result.cases.map((c) => [c.loss, c]));
  }, 90_000);

  it('sends full segments and retransmits nothing without loss', () => {
    expect(result.mss).toBe(1448);
    expect(by.none!.report.totalRetrans).toBe(0);
    expect(by.none!.wire?.resent).toEqual([]);
  });

  it('repairs a mid-flight loss by fast retransmit, before any timeout', () => {
    expect(by.mid!).toMatchObject({ lineDropped: 1, report: { totalRto: 0 } });
    expect(by.mid!.report.totalRetrans).toBeGreaterThanOrEqual(1);
    // The capture on the sender's side saw the dropped segment leave twice, soon.
    expect(by.mid!.wire!.resent).toHaveLength(1);
    expect(by.mid!.wire!.resent[0]!.afterMs).toBeLessThan(by.mid!.report.rtoMs);
  });

  it('repairs a tail loss by a probe, and only by a timeout without TLP', () => {
    expect(by.tail!.report.totalRto).toBe(0);
    expect(by['tail-no-tlp']!.report.totalRto).toBeGreaterThanOrEqual(1);
    expect(by['tail-no-tlp']!.wire!.resent[0]!.afterMs).toBeGreaterThan(200);
  });

  it('loses goodput as the loss rate rises', () => {
    const [low, high] = result.goodput;
    expect(high!.report.goodputMbit).toBeLessThan(low!.report.goodputMbit);
    expect(Math.abs(high!.observedLoss - 0.05)).toBeLessThan(0.03);
  });
});
