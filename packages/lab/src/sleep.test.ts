import { describe, expect, it } from 'vitest';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('resolves no earlier than asked', async () => {
    const start = performance.now();
    await sleep(30);
    // Timers may fire up to a millisecond early by performance.now()'s clock, never much more.
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
  });

  it('rejects with an AbortError as soon as its signal aborts', async () => {
    const controller = new AbortController();
    const start = performance.now();
    const waiting = sleep(10_000, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});
