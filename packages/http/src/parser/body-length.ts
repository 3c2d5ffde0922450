// How long a message body is, from its framing fields (RFC 9112 §6): the
// Content-Length values and the transfer-coding list. The parser decides the
// framing from these; no other module reads Content-Length or Transfer-Encoding.
import type { HttpParseErrorCode } from '../shared/errors.js';
import { isToken, isWhitespace, QDTEXT, QUOTED_PAIR_CHAR, splitList, TCHAR, trimOws } from '../shared/tokens.js';

/** Throws the parser's error for `code` at absolute offset `at`. */
export type FramingFail = (code: HttpParseErrorCode, message: string, at: number) => never;

/**
 * Content-Length = 1*DIGIT; repeated identical values are one value (RFC 9110 §8.6).
 * `values[i]` is one field line's value and `ats[i]` its offset.
 */
export function contentLength(values: readonly string[], ats: readonly number[], maxBodySize: number, fail: FramingFail): number {
  let value = -1;
  const list: string[] = [];
  for (let v = 0; v < values.length; v++) {
    const at = ats[v]!;
    list.length = 0;
    const raw = values[v]!;
    splitList(raw, list, true);
    if (list.length === 0) fail('HTTP_PARSE_INVALID_CONTENT_LENGTH', 'empty Content-Length', at);
    for (const listed of list) {
      // Leading zeros are valid digits; 15 significant digits stay below 2^53.
      const item = listed.length > 1 ? listed.replace(/^0+(?=\d)/, '') : listed;
      if (item.length === 0 || item.length > 15 || !allDigits(item))
        fail('HTTP_PARSE_INVALID_CONTENT_LENGTH', `invalid Content-Length "${raw}"`, at);
      const n = Number(item);
      if (value !== -1 && n !== value) fail('HTTP_PARSE_INVALID_CONTENT_LENGTH', `differing Content-Length values ${value} and ${n}`, at);
      value = n;
    }
  }
  if (value > maxBodySize) fail('HTTP_PARSE_BODY_TOO_LARGE', `Content-Length ${value} exceeds maxBodySize ${maxBodySize}`, ats[0]!);
  return value;
}

/**
 * transfer-coding list (RFC 9112 §6.1, §7). Requests (`strict`): chunked must be last
 * and appear once (else 400), and no other coding is implemented (501).
 * Responses get a warning instead. `chunked` says whether the last coding is a single chunked.
 */
export function transferCodings(
  values: readonly string[],
  at: number,
  strict: boolean,
  fail: FramingFail,
  warn: (message: string) => void,
): { codings: string[]; chunked: boolean } {
  const codings: string[] = [];
  for (const raw of values) {
    for (const element of raw.split(',')) {
      const item = trimOws(element);
      if (item === '') continue; // RFC 9110 §5.6.1: empty list elements are ignored
      const semi = item.indexOf(';');
      const name = trimOws(semi === -1 ? item : item.slice(0, semi));
      if (!isToken(name)) {
        if (strict) fail('HTTP_PARSE_INVALID_TRANSFER_ENCODING', `invalid transfer-coding "${item}"`, at);
        warn(`invalid transfer-coding "${item}"`);
      }
      const lower = name.toLowerCase();
      if (semi !== -1) {
        if (lower === 'chunked' && strict) fail('HTTP_PARSE_INVALID_TRANSFER_ENCODING', 'chunked takes no parameters', at);
        if (!validParams(item.slice(semi)) && strict)
          fail('HTTP_PARSE_INVALID_TRANSFER_ENCODING', `invalid transfer-parameter in "${item}"`, at);
      }
      codings.push(lower);
    }
  }
  const chunkedAt = codings.indexOf('chunked');
  const lastChunked = codings.length > 0 && chunkedAt === codings.length - 1;
  if (!strict) return { codings, chunked: lastChunked && codings.lastIndexOf('chunked') === chunkedAt };
  if (codings.length === 0) fail('HTTP_PARSE_INVALID_TRANSFER_ENCODING', 'empty Transfer-Encoding', at);
  if (!lastChunked)
    fail('HTTP_PARSE_INVALID_TRANSFER_ENCODING', `Transfer-Encoding "${codings.join(', ')}" does not end with a single chunked`, at);
  // Only chunked is implemented; gzip, deflate, compress (RFC 9112 §7.2) are not decoded.
  if (codings.length > 1) fail('HTTP_PARSE_UNSUPPORTED_TRANSFER_CODING', `transfer-coding "${codings[0]!}" is not implemented`, at);
  return { codings, chunked: true };
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** *( OWS ";" OWS token "=" ( token / quoted-string ) ) (RFC 9112 §7, transfer-parameter). */
function validParams(s: string): boolean {
  const b = Buffer.from(s, 'latin1');
  let i = 0;
  const e = b.length;
  while (i < e) {
    while (i < e && isWhitespace(b[i]!)) i++;
    if (i === e) return true;
    if (b[i] !== 0x3b) return false;
    i++;
    while (i < e && isWhitespace(b[i]!)) i++;
    const ns = i;
    while (i < e && TCHAR[b[i]!] === 1) i++;
    if (i === ns) return false;
    while (i < e && isWhitespace(b[i]!)) i++;
    if (b[i] !== 0x3d) return false;
    i++;
    while (i < e && isWhitespace(b[i]!)) i++;
    if (b[i] === 0x22) {
      i++;
      for (; i < e && b[i] !== 0x22; i++) {
        if (b[i] === 0x5c) {
          i++;
          if (i >= e || QUOTED_PAIR_CHAR[b[i]!] !== 1) return false;
        } else if (QDTEXT[b[i]!] !== 1) return false;
      }
      if (i >= e) return false;
      i++;
    } else {
      const vs = i;
      while (i < e && TCHAR[b[i]!] === 1) i++;
      if (i === vs) return false;
    }
  }
  return true;
}
