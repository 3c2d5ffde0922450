import { describe, expect, it } from 'vitest';
import { clientTestKit, ok } from './client-fixtures.js';
import type { TransactionTimerLike } from '../src/client/client-timing.js';

// A recorder with the shape of netlab's TransactionTimer: marks in order, times non-decreasing.
class Recorder implements TransactionTimerLike<{
  label: string;
  start: number;
  marks: [string, number][];
  reused: boolean;
  lookup: string;
  details: Record<string, string | number>;
}> {
  readonly marks: [string, number][] = [];
  private isReused = false;
  private how = '';
  private readonly details: Record<string, string | number> = {};
  constructor(
    readonly label: string,
    readonly start: number,
  ) {}
  mark(mark: string, when = performance.now()): this {
    const prev = this.marks.at(-1)?.[1] ?? this.start;
    if (when < prev) throw new Error(`${mark} at ${when} before ${prev}`);
    this.marks.push([mark, when]);
    return this;
  }
  reused(): this {
    this.isReused = true;
    return this;
  }
  lookup(kind: string): this {
    this.how = kind;
    return this;
  }
  detail(key: string, value: string | number): this {
    this.details[key] = value;
    return this;
  }
  finish(when?: number) {
    this.mark('lastByte', when);
    return { label: this.label, start: this.start, marks: this.marks, reused: this.isReused, lookup: this.how, details: this.details };
  }
}

describe('client timing', () => {
  const kit = clientTestKit();

  it('reports ordered phases and, with a timer factory, a netlab-style transaction per request', async () => {
    const s = await kit.serve(() => ({ raw: ok('x'), delayMs: 20 }));
    const c = kit.client({ timer: (label, at) => new Recorder(label, at) });
    const first = await c.request({ origin: s.origin, path: '/one' });
    const second = await c.request({ origin: s.origin, path: '/two' });
    expect(first.transaction?.label).toBe('GET /one');
    expect(first.transaction?.marks.map(([m]) => m)).toEqual(['connected', 'requestWritten', 'firstByte', 'lastByte']);
    expect([first.transaction?.reused, first.transaction?.lookup]).toEqual([false, 'literal']);
    // Reused: no connect mark, and the server's 20 ms shows up between request written and first byte.
    expect(second.transaction?.marks.map(([m]) => m)).toEqual(['requestWritten', 'firstByte', 'lastByte']);
    expect(second.transaction?.reused).toBe(true);
    const marks = new Map(second.transaction?.marks);
    expect(marks.get('firstByte')! - marks.get('requestWritten')!).toBeGreaterThan(15);
    expect(second.transaction?.details).toMatchObject({ status: 200, pipelined: 0, attempts: 1 });
    // The client's own phases are contiguous and end at the response.
    for (const r of [first, second]) {
      const p = r.timing.phases;
      for (let i = 1; i < p.length; i++) expect(p[i]!.start).toBeCloseTo(p[i - 1]!.end, 6);
      expect(p.at(-1)!.end).toBeCloseTo(r.timing.end, 6);
    }
    expect(first.timing.phases.map((p) => p.phase)).toContain('connect');
    expect(second.timing.phases.map((p) => p.phase)).not.toContain('connect');
  });

  it('leaves transaction undefined without a timer', async () => {
    const s = await kit.serve(() => ({ raw: ok('x') }));
    const r = await kit.client().request({ origin: s.origin });
    expect(r.transaction).toBeUndefined();
  });
});
