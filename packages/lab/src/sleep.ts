// The one sleep of the workspace (a wait on a real timer, cancellable), and
// the one poll-until-ready loop built on it.
import { setTimeout as delay } from 'node:timers/promises';
import { LabError } from './errors.js';

/**
 * Resolve after `ms` milliseconds; with a signal, reject with its AbortError
 * as soon as it aborts.
 *
 * @example
 * await sleep(50); // let the kernel move the socket to TIME_WAIT
 */
export function sleep(ms: number, options: { signal?: AbortSignal } = {}): Promise<void> {
  return delay(ms, undefined, options);
}

/** Thrown by {@link until} when what it waited for did not happen in time. */
export class WaitTimeoutError extends LabError {
  readonly code = 'LAB_WAIT_TIMEOUT';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * Call `check` every 20 ms until it returns a value other than undefined or
 * false, and resolve with that value; after `timeoutMs`, reject with a
 * WaitTimeoutError naming `what`. For state that changes without an event to
 * wait on (a log line, a kernel table, a server's counters).
 *
 * @example
 * const port = await until('the server to listen', () => /port (\d+)/.exec(log)?.[1]);
 * await until('both connections to close', () => closed.length === 2);
 */
export async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new WaitTimeoutError(what, timeoutMs);
    await sleep(20);
  }
}
