// The client's side of persistence: the server's Keep-Alive hints, the
// Connection tokens, and which requests may be sent twice.
// (Whether a response leaves the connection open is the parser's
// MessageHead.keepAlive, RFC 9112 §9.3, plus the request's own Connection: close.)

import { splitList } from '../shared/tokens.js';

/** The server's hints from `Keep-Alive: timeout=T, max=M` (RFC 2068 §19.7.1.1; hints, not promises). */
export interface KeepAliveHint {
  /** Seconds the server says it will keep an idle connection. */
  timeoutSeconds?: number;
  /** How many more requests the server says it will take on this connection. */
  max?: number;
}

/**
 * Parse a Keep-Alive field value. Unknown parameters are ignored, as the
 * notes say they are for diagnostics; malformed numbers are ignored too.
 *
 * @example
 * parseKeepAlive('timeout=5, max=100') // { timeoutSeconds: 5, max: 100 }
 */
export function parseKeepAlive(value: string | undefined): KeepAliveHint {
  const hint: KeepAliveHint = {};
  if (value === undefined) return hint;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (!/^\d{1,9}$/.test(raw)) continue;
    const n = Number(raw);
    if (name === 'timeout') hint.timeoutSeconds = n;
    else if (name === 'max') hint.max = n;
  }
  return hint;
}

/**
 * Lower-cased comma-list tokens of every field called `name` (RFC 9110 §5.6.1).
 *
 * @example
 * fieldTokens([['Connection', 'Keep-Alive, X-A'], ['connection', 'close']], 'connection') // ['keep-alive', 'x-a', 'close']
 */
export function fieldTokens(headers: readonly (readonly [string, string])[], name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === name) splitList(v, out);
  return out;
}

/**
 * Methods that are idempotent (RFC 9110 §9.2.2): sending one twice has the
 * same effect as once, so a client may send it again after a connection
 * failed before the response.
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/**
 * True when the method may be retried automatically.
 *
 * @example
 * isIdempotent('PUT')  // true
 * isIdempotent('POST') // false
 */
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}
