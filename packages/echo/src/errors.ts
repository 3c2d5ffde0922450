// Typed errors with stable codes. Messages name the endpoint and the number
// of bytes involved, because "it hung" or "it failed" teaches nothing.

/** Where a socket was pointed: a TCP host and port, or a Unix socket path. */
export type EchoEndpoint = { host: string; port: number } | { path: string };

/** "127.0.0.1:2048", "[::1]:2048" or "unix:/tmp/echo.sock". */
export function describeEndpoint(endpoint: EchoEndpoint): string {
  if ('path' in endpoint) return `unix:${endpoint.path}`;
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/** What the common errno values mean for an echo connection (see connect(2), bind(2), recv(2)). */
const errnoHints: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening on that port (the kernel refused: RST for TCP, ICMP port unreachable for UDP)',
  ECONNRESET: 'the peer reset the connection (RST)',
  EPIPE: 'the peer had already closed the connection',
  EADDRINUSE: 'another socket is already bound to that address',
  EADDRNOTAVAIL: 'that address does not belong to this machine',
  EACCES: 'permission denied (ports below 1024 need root)',
  ENOENT: 'no socket file at that path',
  ENOTFOUND: 'the host name did not resolve',
  EHOSTUNREACH: 'no route to that host',
  ENETUNREACH: 'no route to that network',
};

/** The errno name (ECONNREFUSED, …) of a Node system error, or undefined. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function withHint(errno: string | undefined): string {
  if (!errno) return 'unknown error';
  const hint = errnoHints[errno];
  return hint ? `${errno}: ${hint}` : errno;
}

/** Base class: every @connlab/echo error has a stable `code`. */
export abstract class EchoError extends Error {
  abstract readonly code: string;
}

/** An operation on an endpoint failed with a kernel errno (ECONNREFUSED, EADDRINUSE, …). */
export abstract class EchoErrnoError extends EchoError {
  constructor(
    readonly endpoint: EchoEndpoint,
    /** The kernel's errno name, e.g. 'ECONNREFUSED'. */
    readonly errno: string | undefined,
    what: string,
    options?: { cause?: unknown },
  ) {
    super(`${what} ${describeEndpoint(endpoint)}: ${withHint(errno)}`, options);
  }
}

/**
 * Connecting failed, e.g. ECONNREFUSED because nothing listens on that port.
 *
 * @example
 * ```ts
 * try { await echo('hi', { port: 9 }); }
 * catch (e) { if (e instanceof EchoConnectError) console.log(e.errno); } // 'ECONNREFUSED'
 * ```
 */
export class EchoConnectError extends EchoErrnoError {
  readonly code = 'ECHO_CONNECT';
  constructor(endpoint: EchoEndpoint, errno: string | undefined, options?: { cause?: unknown }) {
    super(endpoint, errno, 'cannot connect to', options);
    this.name = 'EchoConnectError';
  }
}

/**
 * A server could not listen, e.g. EADDRINUSE when another socket holds the port.
 *
 * @example
 * ```ts
 * await createEchoServer({ port: taken }).catch((e: EchoListenError) => e.errno); // 'EADDRINUSE'
 * ```
 */
export class EchoListenError extends EchoErrnoError {
  readonly code = 'ECHO_LISTEN';
  constructor(endpoint: EchoEndpoint, errno: string | undefined, options?: { cause?: unknown }) {
    super(endpoint, errno, 'cannot listen on', options);
    this.name = 'EchoListenError';
  }
}

/**
 * A deadline passed. The message says what was being waited for and how many
 * bytes had arrived by then.
 *
 * @example
 * ```ts
 * // "timed out after 500 ms at 127.0.0.1:2048 waiting for the echo of 104 bytes; 48 bytes arrived"
 * ```
 */
export class EchoTimeoutError extends EchoError {
  readonly code = 'ECHO_TIMEOUT';
  constructor(
    readonly endpoint: EchoEndpoint,
    /** What was being waited for, e.g. "the echo of 104 bytes". */
    readonly waitingFor: string,
    readonly timeoutMs: number,
    /** Bytes that had arrived when the deadline passed. */
    readonly received: number,
  ) {
    super(`timed out after ${timeoutMs} ms at ${describeEndpoint(endpoint)} waiting for ${waitingFor}; ${received} bytes arrived`);
    this.name = 'EchoTimeoutError';
  }
}

/**
 * The connection ended (FIN or RST) before every byte sent had come back.
 *
 * @example
 * ```ts
 * // "127.0.0.1:2048 closed the connection after 48 of 104 echoed bytes (ECONNRESET: ...)"
 * ```
 */
export class EchoClosedError extends EchoError {
  readonly code = 'ECHO_CLOSED';
  constructor(
    readonly endpoint: EchoEndpoint,
    readonly received: number,
    readonly expected: number,
    readonly errno?: string,
    options?: { cause?: unknown },
  ) {
    const how = errno ? ` (${withHint(errno)})` : ' (FIN)';
    super(`${describeEndpoint(endpoint)} closed the connection after ${received} of ${expected} echoed bytes${how}`, options);
    this.name = 'EchoClosedError';
  }
}

/**
 * An option had a value that cannot work, e.g. port 70000 or a negative readSize.
 *
 * @example
 * ```ts
 * await echo('x', { port: 70000 }); // throws EchoOptionError: invalid port: ... got 70000
 * ```
 */
export class EchoOptionError extends EchoError {
  readonly code = 'ECHO_INVALID_OPTION';
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`invalid ${option}: expected ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    this.name = 'EchoOptionError';
  }
}

/** Throws EchoOptionError unless `port` is an integer within [min, 65535] (a TCP/UDP port is 16 bits, RFC 9293 §3.1). */
export function checkPort(port: unknown, min: 0 | 1): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < min || port > 65535) {
    throw new EchoOptionError('port', port, `an integer from ${min} to 65535${min === 1 ? ' (0 is only meaningful when listening)' : ''}`);
  }
  return port;
}

/** Throws EchoOptionError unless `value` is a positive integer (or undefined). */
export function checkPositiveInt(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new EchoOptionError(option, value, 'a positive whole number');
  }
  return value;
}

/** Throws EchoOptionError unless `value` is a finite number ≥ 0 (or undefined). */
export function checkMs(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new EchoOptionError(option, value, 'a number of milliseconds ≥ 0');
  }
  return value;
}
