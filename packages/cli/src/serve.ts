// The life of a long-running command: announce the address, run until the
// stop signal, close gracefully, report. A second Ctrl-C is the bin's business.
import type { CliIo } from './io.js';
import { note, say, stopRequested } from './io.js';

/** How long open connections get to finish after Ctrl-C before they are cut. */
export const SHUTDOWN_GRACE_MS = 2000;

/**
 * Print `listening` as the first line of stdout (then any `details`), wait
 * for the stop signal, then call `close` and print what it reports.
 *
 * @example
 * ```ts
 * await serveUntilStopped(io, `listening on ${addr}`, async () => { await server.close(); return 'stopped'; });
 * ```
 */
export async function serveUntilStopped(
  io: CliIo,
  listening: string,
  close: () => Promise<string>,
  details: readonly string[] = [],
): Promise<void> {
  say(io, listening, ...details);
  await stopRequested(io.signal);
  note(io, `stopping: no new connections; open ones get ${SHUTDOWN_GRACE_MS / 1000} s to finish (Ctrl-C again to force)`);
  say(io, await close());
}
