// Where the CLI writes and how it is told to stop. The bin wires these to the
// process; tests drive the same program with strings and an AbortController.

/** The streams and the stop signal a command runs with. */
export interface CliIo {
  /** Write text to standard output (callers add their own newlines). */
  stdout: (text: string) => void;
  /** Write text to standard error. */
  stderr: (text: string) => void;
  /** Aborted when a long-running command (a server, the relay) should shut down: Ctrl-C or SIGTERM in the bin. */
  signal: AbortSignal;
}

/** Print lines to standard output. */
export function say(io: CliIo, ...lines: string[]): void {
  io.stdout(lines.map((l) => `${l}\n`).join(''));
}

/** Print lines to standard error (progress and notices that are not the command's result). */
export function note(io: CliIo, ...lines: string[]): void {
  io.stderr(lines.map((l) => `${l}\n`).join(''));
}

/** Resolve once `signal` is aborted (at once if it already is). */
export function stopRequested(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** "127.0.0.1:8080" or "[::1]:8080". */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** "1 connection", "3 connections". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
