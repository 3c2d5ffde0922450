import { sleep } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { DeadlineList } from '../src/server/deadline-list.js';
import type { DeadlineEntry, DeadlineOwner } from '../src/server/deadline-list.js';

class Entry implements DeadlineEntry {
  dlPrev: DeadlineEntry | null = null;
  dlNext: DeadlineEntry | null = null;
  dlDeadline = 0;
  dlList: DeadlineOwner | null = null;
  constructor(readonly name: string) {}
}

describe('DeadlineList', () => {
  function make(timeout = 100): { list: DeadlineList<Entry>; expired: string[]; clock: { now: number } } {
    const clock = { now: 0 };
    const expired: string[] = [];
    const list = new DeadlineList<Entry>(
      'idle',
      timeout,
      (e) => expired.push(e.name),
      () => clock.now,
    );
    return { list, expired, clock };
  }

  it('keeps entries in deadline order and expires only those due', () => {
    const { list, expired, clock } = make();
    const [a, b, c] = [new Entry('a'), new Entry('b'), new Entry('c')];
    list.add(a, 0);
    list.add(b, 10);
    list.add(c, 20);
    clock.now = 105;
    expect(list.sweep()).toBe(1);
    expect(expired).toEqual(['a']);
    expect([...list.entries()].map((e) => e.name)).toEqual(['b', 'c']);
    list.clear();
  });

  it("restarts an entry's timer when it is added again (activity moves it to the tail)", () => {
    const { list, expired } = make();
    const [a, b] = [new Entry('a'), new Entry('b')];
    list.add(a, 0);
    list.add(b, 10);
    list.add(a, 50); // a served another response at t=50
    expect([...list.entries()].map((e) => [e.name, e.dlDeadline])).toEqual([
      ['b', 110],
      ['a', 150],
    ]);
    list.sweep(120);
    expect(expired).toEqual(['b']);
    list.clear();
  });

  it('removes from the middle and moves entries between lists in O(1)', () => {
    const { list } = make();
    const other = new DeadlineList<Entry>(
      'header',
      10,
      () => undefined,
      () => 0,
    );
    const es = ['a', 'b', 'c'].map((n) => new Entry(n));
    for (const e of es) list.add(e, 0);
    list.remove(es[1]!);
    other.add(es[2]!, 0);
    expect([...list.entries()].map((e) => e.name)).toEqual(['a']);
    expect([...other.entries()].map((e) => e.name)).toEqual(['c']);
    expect([list.size, other.size]).toEqual([1, 1]);
    list.remove(es[1]!); // not in the list: no-op
    expect(list.size).toBe(1);
    list.clear();
    other.clear();
  });

  it('looks at no more entries than have expired', () => {
    const clock = { now: 0 };
    let reads = 0;
    // Count clock reads and expiries: a sweep must stop at the first live entry.
    const list = new DeadlineList<Entry>(
      'idle',
      100,
      () => undefined,
      () => clock.now,
    );
    for (let i = 0; i < 10_000; i++) list.add(new Entry(String(i)), i);
    const first = [...list.entries()].slice(0, 3);
    for (const e of first)
      Object.defineProperty(e, 'dlDeadline', {
        get: () => {
          reads++;
          return 100 + Number(e.name);
        },
      });
    expect(list.sweep(101.5)).toBe(2);
    expect(reads).toBeLessThanOrEqual(3);
    list.clear();
  });

  it('fires by itself with a real timer', async () => {
    const expired: string[] = [];
    const list = new DeadlineList<Entry>('idle', 30, (e) => expired.push(e.name));
    list.add(new Entry('x'));
    await sleep(80);
    expect(expired).toEqual(['x']);
    list.clear();
  });
});
