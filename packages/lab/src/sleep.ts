// The one sleep of the workspace: a wait on a real timer, cancellable.
import { setTimeout as delay } from 'node:timers/promises';

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
