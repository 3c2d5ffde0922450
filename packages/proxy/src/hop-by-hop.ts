// Which header fields belong to one hop and must not be forwarded.
import { fieldTokens } from '@connlab/http';

/**
 * The hop-by-hop fields a proxy removes, with where each comes from. RFC 9110
 * §7.6.1 says a proxy removes `Connection` and every field it names, and lists
 * Proxy-Connection, Keep-Alive, TE, Transfer-Encoding and Upgrade as fields a
 * sender may have forgotten to name; RFC 2616 §13.5.1 had the fixed list that
 * adds Proxy-Authenticate, Proxy-Authorization and Trailer(s).
 *
 * @example
 * HOP_BY_HOP_HEADERS.map((h) => h.name).includes('keep-alive') // true
 */
export const HOP_BY_HOP_HEADERS: readonly { name: string; source: string }[] = [
  { name: 'connection', source: 'RFC 9110 §7.6.1' },
  { name: 'keep-alive', source: 'RFC 9110 §7.6.1; RFC 2068 §19.7.1.1' },
  { name: 'proxy-connection', source: 'RFC 9110 §7.6.1 (Netscape, never standard)' },
  { name: 'te', source: 'RFC 9110 §10.1.4' },
  { name: 'trailer', source: 'RFC 2616 §13.5.1 ("trailers"); RFC 9110 §6.6.2' },
  { name: 'transfer-encoding', source: 'RFC 9112 §6.1' },
  { name: 'upgrade', source: 'RFC 9110 §7.8' },
  { name: 'proxy-authenticate', source: 'RFC 2616 §13.5.1; RFC 9110 §11.7.1' },
  { name: 'proxy-authorization', source: 'RFC 2616 §13.5.1; RFC 9110 §11.7.2' },
];

const fixed = new Set(HOP_BY_HOP_HEADERS.map((h) => h.name));

/** A header field as it arrived: name as sent, value as sent. */
export type HeaderPair = readonly [name: string, value: string];

/**
 * Lower-cased tokens of every Connection field (or another comma-list
 * field), in order (RFC 9110 §7.6.1, §5.6.1).
 *
 * @example
 * connectionTokens([['Connection', 'Keep-Alive, X-Trace']]) // ['keep-alive', 'x-trace']
 */
export function connectionTokens(headers: readonly HeaderPair[], field = 'connection'): string[] {
  return fieldTokens(headers, field);
}

export interface StrippedHeaders {
  /** What may go to the next hop, in the original order. */
  kept: HeaderPair[];
  /** What was removed, in the original order. */
  removed: HeaderPair[];
  /** The lower-cased tokens of Connection (close, keep-alive, and the names of other hop-by-hop fields). */
  connection: string[];
  /** The lower-cased tokens of the non-standard Proxy-Connection field. */
  proxyConnection: string[];
}

/**
 * Remove the hop-by-hop fields: the fixed list above plus every field named
 * in `Connection`.
 *
 * @example
 * const { kept, connection } = stripHopByHop([['Connection', 'close, X-Trace'], ['X-Trace', '1'], ['Accept', '*\/*']]);
 * // kept = [['Accept', '*\/*']], connection = ['close', 'x-trace']
 */
export function stripHopByHop(headers: readonly HeaderPair[]): StrippedHeaders {
  const connection = connectionTokens(headers);
  const named = new Set(connection);
  const kept: HeaderPair[] = [];
  const removed: HeaderPair[] = [];
  for (const pair of headers) {
    const name = pair[0].toLowerCase();
    (fixed.has(name) || named.has(name) ? removed : kept).push(pair);
  }
  return { kept, removed, connection, proxyConnection: connectionTokens(headers, 'proxy-connection') };
}
