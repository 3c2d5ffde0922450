import { describe, expect, it } from 'vitest';
import { WaitTimeoutError, sleep, until } from './sleep.js';

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

describe('until', () => {
  it('resolves with the first value the check returns', async () => {
    let calls = 0;
    expect(await until('the third call', () => (++calls === 3 ? 'ready' : undefined))).toBe('ready');
    expect(calls).toBe(3);
  });

  it('keeps waiting while the check returns false, so a condition can be returned as it is', async () => {
    let calls = 0;
    expect(await until('the third call', () => ++calls === 3)).toBe(true);
    expect(calls).toBe(3);
  });

  it('rejects with a WaitTimeoutError naming what it waited for', async () => {
    const error: unknown = await until('a line that never comes', () => undefined, 60).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ code: 'LAB_WAIT_TIMEOUT', message: 'timed out after 60 ms waiting for a line that never comes' });
  });
});
