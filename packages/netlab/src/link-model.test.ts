import { describe, expect, it } from 'vitest';
import { DelayQueue } from './link-model.js';

describe('DelayQueue', () => {
  it('releases a packet exactly delayMs after it arrived, and not before', () => {
    const q = new DelayQueue<string>({ delayMs: 20 });
    q.push(100, 'p');
    expect(q.takeDue(119.9)).toEqual([]);
    expect(q.nextDue()).toBe(120);
    expect(q.takeDue(120)).toEqual(['p']);
  });

  it('paces packets at the link rate: 1500 bytes at 12 Mbit/s take 1 ms each', () => {
    const q = new DelayQueue<number>({ delayMs: 0, rateMbit: 12 });
    for (let i = 0; i < 3; i++) q.push(0, i, 1500);
    expect(q.takeDue(1)).toEqual([0]);
    expect(q.takeDue(2.5)).toEqual([1]);
    expect(q.takeDue(3)).toEqual([2]);
  });

  it('keeps packets in order under jitter', () => {
    let seed = 1;
    const random = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const q = new DelayQueue<number>({ delayMs: 10, jitterMs: 5 }, random);
    for (let i = 0; i < 200; i++) q.push(i * 0.1, i);
    const out = q.takeDue(1000);
    expect(out).toEqual([...out].sort((a, b) => a - b));
    expect(out).toHaveLength(200);
  });

  it('drops at random with the loss probability and at the tail beyond the limit', () => {
    const lossy = new DelayQueue<number>(
      { delayMs: 1, loss: 0.5 },
      (() => {
        let i = 0;
        return () => (i++ % 2 ? 0.9 : 0.1);
      })(),
    );
    for (let i = 0; i < 10; i++) lossy.push(0, i);
    expect(lossy.counts).toMatchObject({ passed: 5, lost: 5 });
    const small = new DelayQueue<number>({ delayMs: 1, limit: 3 });
    for (let i = 0; i < 5; i++) small.push(0, i);
    expect(small.counts).toMatchObject({ passed: 3, overflow: 2 });
  });
});
