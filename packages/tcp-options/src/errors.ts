// Errors with stable codes; messages name the option, platform, host and port involved.

/** Base class: every @connlab/tcp-options error has a stable `code` to branch on. */
export abstract class TcpOptionsError extends Error {
  abstract readonly code: string;
}

/** The option does not exist (or is not wired up here) on this platform. */
export class UnsupportedOptionError extends TcpOptionsError {
  readonly code = 'TCP_OPTION_UNSUPPORTED';
  constructor(
    readonly option: string,
    readonly platform: string,
  ) {
    super(`${option} is not supported on ${platform}`);
    this.name = 'UnsupportedOptionError';
  }
}

/** setsockopt/getsockopt returned -1. */
export class SocketOptionError extends TcpOptionsError {
  readonly code = 'TCP_OPTION_FAILED';
  constructor(
    readonly option: string,
    readonly operation: 'setsockopt' | 'getsockopt',
    readonly errno: number,
    readonly errnoName: string,
    readonly peer: string,
  ) {
    super(`${operation}(${option}) failed with ${errnoName} (errno ${errno}) on the socket to ${peer}`);
    this.name = 'SocketOptionError';
  }
}

/** A value the kernel would reject or silently change (not whole seconds, out of range). */
export class InvalidOptionValueError extends TcpOptionsError {
  readonly code = 'TCP_OPTION_INVALID';
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${option} must be ${expected}, got ${String(value)}`);
    this.name = 'InvalidOptionValueError';
  }
}

/** The socket has no file descriptor yet (not connected) or any more (destroyed). */
export class SocketNotReadyError extends TcpOptionsError {
  readonly code = 'TCP_SOCKET_NOT_READY';
  constructor(
    readonly option: string,
    readonly peer: string,
  ) {
    super(`cannot read ${option}: the socket to ${peer} has no file descriptor (not connected yet, or already destroyed)`);
    this.name = 'SocketNotReadyError';
  }
}
