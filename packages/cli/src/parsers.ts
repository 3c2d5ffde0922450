// Argument parsers for commander. Each one throws InvalidArgumentError with a
// message that says what was expected, so a bad value becomes one line on
// stderr and exit code 2 instead of a NaN deep inside a server.
import { InvalidArgumentError } from 'commander';

/** A host and port taken from HOST:PORT. */
export interface HostPort {
  host: string;
  port: number;
}

// A TCP port is a 16-bit field (RFC 9293 §3.1); 0 asks the kernel for any free port (bind(2)).
const MAX_PORT = 65535;

function integer(raw: string, what: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new InvalidArgumentError(`expected ${what}, got "${raw}"`);
  return Number(raw);
}

/**
 * A port to listen on: 0 (any free port) to 65535.
 *
 * @example
 * ```ts
 * parseListenPort('8080'); // 8080
 * ```
 */
export function parseListenPort(raw: string): number {
  const port = integer(raw, 'a port number from 0 to 65535');
  if (port > MAX_PORT) throw new InvalidArgumentError(`port must be from 0 to 65535, got ${port}`);
  return port;
}

/**
 * A port to connect to: 1 to 65535 (nothing can be reached on port 0).
 *
 * @example
 * ```ts
 * parsePort('2048'); // 2048
 * ```
 */
export function parsePort(raw: string): number {
  const port = integer(raw, 'a port number from 1 to 65535');
  if (port < 1 || port > MAX_PORT) throw new InvalidArgumentError(`port must be from 1 to 65535, got ${port}`);
  return port;
}

/**
 * HOST:PORT, with IPv6 hosts in brackets as in URLs (RFC 3986 §3.2.2).
 *
 * @example
 * ```ts
 * parseHostPort('[::1]:8080'); // { host: '::1', port: 8080 }
 * ```
 */
export function parseHostPort(raw: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\S+)$/.exec(raw.trim());
  if (!match) throw new InvalidArgumentError(`expected HOST:PORT like 127.0.0.1:8080 or [::1]:8080, got "${raw}"`);
  const host = match[1] ?? match[2]!;
  return { host, port: parsePort(match[3]!) };
}

/**
 * A whole number ≥ `min` (default 1), e.g. a count of requests.
 *
 * @example
 * ```ts
 * const parseCount = wholeNumber(1); parseCount('3'); // 3
 * ```
 */
export function wholeNumber(min = 1, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const n = integer(raw, `a whole number ≥ ${min}`);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got ${n}`);
    return n;
  };
}

/**
 * A duration in ms that the kernel keeps in whole seconds (TCP_KEEPIDLE:
 * 1 to 32767 s, MAX_TCP_KEEPIDLE in include/net/tcp.h): a multiple of 1000.
 *
 * @example
 * ```ts
 * wholeSecondsMs('60000'); // 60000
 * wholeSecondsMs('1500');  // throws: a multiple of 1000
 * ```
 */
export function wholeSecondsMs(raw: string): number {
  const ms = wholeNumber(1000, 32_767_000)(raw);
  if (ms % 1000 !== 0) throw new InvalidArgumentError(`the kernel keeps this in whole seconds: expected a multiple of 1000 ms, got ${ms}`);
  return ms;
}

/**
 * A duration ≥ 0 in the unit the option names (ms or s); decimals allowed.
 *
 * @example
 * ```ts
 * parseDuration('2.5'); // 2.5
 * ```
 */
export function parseDuration(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got "${raw}"`);
  return n;
}

// Units as tc(8) spells bit rates (SI prefixes), plus byte rates in SI and IEC prefixes.
const rateUnits: Record<string, number> = {
  bit: 1 / 8,
  kbit: 1000 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
  b: 1,
  kb: 1000,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * A bandwidth like `1mbit`, `512kbit`, `100kB`, `2MiB` (optionally ending in
 * `/s`); a bare number is bytes per second. Returns bytes per second. tc's
 * `kbps` (which means kilo*bytes*) is refused as ambiguous.
 *
 * @example
 * ```ts
 * parseRate('1mbit'); // 125000
 * parseRate('100kB'); // 100000
 * ```
 */
export function parseRate(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)(?:\/s)?$/i.exec(raw.trim());
  const factor = match ? (match[2] === '' ? 1 : rateUnits[match[2]!.toLowerCase()]) : undefined;
  if (!match || factor === undefined) {
    throw new InvalidArgumentError(`expected a rate like 1mbit, 512kbit, 100kB or 2MiB (per second), got "${raw}"`);
  }
  const rate = Number(match[1]) * factor;
  if (!(rate >= 1)) throw new InvalidArgumentError(`rate must be at least 1 byte per second, got "${raw}"`);
  return rate;
}

const sizeUnits: Record<string, number> = { '': 1, b: 1, kb: 1000, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/**
 * A byte count like `1000`, `64kB` or `1MiB`.
 *
 * @example
 * ```ts
 * parseByteCount('64KiB'); // 65536
 * ```
 */
export function parseByteCount(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const factor = match ? sizeUnits[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) throw new InvalidArgumentError(`expected a byte count like 1000, 64kB or 1MiB, got "${raw}"`);
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes < 1) throw new InvalidArgumentError(`expected at least 1 byte, got "${raw}"`);
  return bytes;
}

/**
 * One `Name: value` header; collects repeated -H options into a list.
 *
 * @example
 * ```ts
 * parseHeader('Connection: close', []); // [['Connection', 'close']]
 * ```
 */
export function parseHeader(raw: string, previous: [string, string][] = []): [string, string][] {
  const colon = raw.indexOf(':');
  const name = colon > 0 ? raw.slice(0, colon).trim() : '';
  // RFC 9110 §5.6.2: a field name is a token.
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new InvalidArgumentError(`expected a header like "Name: value", got "${raw}"`);
  return [...previous, [name, raw.slice(colon + 1).trim()]];
}

/**
 * An http:// URL (the client speaks plain HTTP/1.1 only).
 *
 * @example
 * ```ts
 * parseHttpUrl('http://127.0.0.1:8080/a?b=1').pathname; // '/a'
 * ```
 */
export function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError(`expected a URL like http://127.0.0.1:8080/, got "${raw}"`);
  }
  if (url.protocol !== 'http:') throw new InvalidArgumentError(`only http:// URLs are supported (no TLS here), got "${raw}"`);
  return url;
}
