import { describe, expect, it } from 'vitest';
import { NetlabError } from './errors.js';
import { TIMING_MARKS, TIMING_PHASES, TransactionTimer } from './timing.js';
import { timingBars, timingSvg, timingTable, timingWaterfall } from './timing-figures.js';

function fakeClock(times: number[]): () => number {
  return () => times.shift() ?? Number.NaN;
}

describe('TransactionTimer', () => {
  it('turns marks into phases that add up to the total', () => {
    const timer = new TransactionTimer('GET /', fakeClock([0]));
    timer.mark('dnsDone', 2).mark('connected', 42).mark('requestWritten', 42.1).mark('firstByte', 83).mark('lastByte', 84);
    const r = timer.finish();
    expect(r.phases.dns).toBe(2);
    expect(r.phases.connect).toBe(40);
    expect(r.phases.send).toBeCloseTo(0.1, 9);
    expect(r.phases.wait).toBeCloseTo(40.9, 9);
    expect(r.phases.receive).toBe(1);
    expect(TIMING_PHASES.reduce((s, p) => s + r.phases[p], 0)).toBeCloseTo(r.total, 9);
    expect(r.total).toBe(84);
  });

  it('gives a reused connection zero DNS and connect time', () => {
    const timer = new TransactionTimer('again', fakeClock([10])).reused();
    timer.mark('requestWritten', 10.1).mark('firstByte', 50).mark('lastByte', 51);
    const r = timer.finish();
    expect(r).toMatchObject({ reused: true, lookup: 'none' });
    expect(r.phases.dns).toBe(0);
    expect(r.phases.connect).toBe(0);
    expect(r.marks.connected).toBe(0);
  });

  it('refuses marks out of order or back in time, naming them', () => {
    const timer = new TransactionTimer('x', fakeClock([0]));
    timer.mark('connected', 5);
    expect(() => timer.mark('dnsDone', 6)).toThrow(/"dnsDone" came after "connected"/);
    expect(() => timer.mark('firstByte', 4)).toThrow(NetlabError);
  });
});

describe('timing figures', () => {
  const a = new TransactionTimer('new', fakeClock([100]))
    .mark('connected', 140)
    .mark('requestWritten', 140)
    .mark('firstByte', 181)
    .mark('lastByte', 182)
    .finish();
  const b = new TransactionTimer('reused', fakeClock([200]))
    .reused()
    .mark('requestWritten', 200)
    .mark('firstByte', 241)
    .mark('lastByte', 242)
    .finish();

  it('draws a waterfall on a shared axis, skipping empty phases', () => {
    const f = timingWaterfall([a, b], 'two');
    expect(f.rows[0]!.spans.map((s) => s.phase)).toEqual(['TCP connect', 'waiting (server + 1 RTT)', 'content transfer']);
    expect(f.rows[1]!.spans[0]!.start).toBe(100);
    expect(timingWaterfall([a, b], 'own', 'own').rows[1]!.spans[0]!.start).toBe(0);
  });

  it('makes bars, a table and an SVG with every phase', () => {
    expect(timingBars(a).bars.map((x) => x.value)).toEqual([0, 40, 0, 41, 1, 82]);
    expect(timingTable([a, b]).rows[1]).toContain('reused');
    const svg = timingSvg([a, b]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('TCP connect: 40.0 ms');
    expect(svg.match(/<rect /g)?.length).toBe(3 + 2 + TIMING_MARKS.length - 1);
  });
});
