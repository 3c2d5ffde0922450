// Errors with stable codes: callers branch on `code`, people read `message`.

/** Base class: every @connlab/inspect error has a stable `code`. */
export abstract class InspectError extends Error {
  abstract readonly code: string;
}

/** A socket table under /proc could not be read (not Linux, or a pid that has exited). */
export class SocketTableError extends InspectError {
  readonly code = 'INSPECT_READ';
  constructor(
    readonly file: string,
    /** The system error's code, e.g. ENOENT or EACCES. */
    readonly systemCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot read ${file}: ${systemCode ?? 'unknown error'}${systemCode === 'ENOENT' ? ' (the socket tables are Linux-only; with a pid, that process may have exited)' : ''}`,
      options,
    );
    this.name = 'SocketTableError';
  }
}
