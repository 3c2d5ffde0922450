// Byte classes of RFC 9110/9112/3986 as lookup tables, so validation is one
// array read per byte instead of a regular expression per field.

function table(chars: string, ranges: readonly (readonly [number, number])[] = []): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) t[c] = 1;
  return t;
}

const ALPHA: readonly (readonly [number, number])[] = [
  [0x41, 0x5a],
  [0x61, 0x7a],
];
const DIGIT: readonly [number, number] = [0x30, 0x39];
const ALNUM = [...ALPHA, DIGIT];

/** tchar (RFC 9110 §5.6.2): the bytes of a token (method, field name, coding name). */
export const TCHAR = table("!#$%&'*+-.^_`|~", ALNUM);

/**
 * field-vchar, SP and HTAB (RFC 9110 §5.5): what may appear inside a field
 * value. VCHAR is 0x21-0x7E and obs-text is 0x80-0xFF; NUL, CR, LF, the other
 * controls and DEL are not allowed.
 */
export const FIELD_CHAR = table('\t ', [
  [0x21, 0x7e],
  [0x80, 0xff],
]);

/** HEXDIG (RFC 5234 appendix B.1), used by chunk-size and pct-encoded. */
export const HEX = table('', [DIGIT, [0x41, 0x46], [0x61, 0x66]]);

/** Value of a hex digit byte, 255 when the byte is not one. */
export const HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let c = 0x30; c <= 0x39; c++) t[c] = c - 0x30;
  for (let c = 0x41; c <= 0x46; c++) t[c] = c - 0x41 + 10;
  for (let c = 0x61; c <= 0x66; c++) t[c] = c - 0x61 + 10;
  return t;
})();

// RFC 3986 §2.2-2.3: unreserved = ALPHA DIGIT - . _ ~ ; sub-delims = ! $ & ' ( ) * + , ; =
const UNRESERVED = '-._~';
const SUB_DELIMS = "!$&'()*+,;=";

/**
 * Bytes of an origin-form target (RFC 9112 §3.2.1): absolute-path [ "?" query ],
 * i.e. pchar, "/" and "?". "%" is allowed here and its two hex digits are checked
 * separately.
 */
export const ORIGIN_CHAR = table(UNRESERVED + SUB_DELIMS + ':@/?%', ALNUM);

/** Bytes of an absolute-URI (RFC 3986 §4.3) as used by absolute-form: adds "[" "]" for IP literals. */
export const ABSOLUTE_CHAR = table(UNRESERVED + SUB_DELIMS + ':@/?%[]', ALNUM);

/** reg-name bytes (RFC 3986 §3.2.2), "%" checked separately. */
export const REG_NAME_CHAR = table(UNRESERVED + SUB_DELIMS + '%', ALNUM);

/** Bytes allowed inside an IP-literal's brackets (IPv6address / IPvFuture, RFC 3986 §3.2.2). */
export const IP_LITERAL_CHAR = table(UNRESERVED + SUB_DELIMS + ':', ALNUM);

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1). */
export const SCHEME_CHAR = table('+-.', ALNUM);

/** qdtext (RFC 9110 §5.6.4): HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. */
export const QDTEXT = table('\t ', [
  [0x21, 0x21],
  [0x23, 0x5b],
  [0x5d, 0x7e],
  [0x80, 0xff],
]);

/** What may follow a backslash in a quoted-pair (RFC 9110 §5.6.4): HTAB / SP / VCHAR / obs-text. */
export const QUOTED_PAIR_CHAR = table('\t ', [
  [0x21, 0x7e],
  [0x80, 0xff],
]);

/** reason-phrase bytes (RFC 9112 §4): HTAB / SP / VCHAR / obs-text. */
export const REASON_CHAR = QUOTED_PAIR_CHAR;

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** True for SP and HTAB (OWS / BWS, RFC 9110 §5.6.3). */
export function isWhitespace(b: number): boolean {
  return b === SP || b === HTAB;
}

/** True when every char of a string is a tchar (used for names given by handlers). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}

/** True when a string may be sent as a field value: no CR, LF, NUL or other controls. */
export function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_CHAR[c] !== 1) return false;
  }
  return true;
}

/** s without leading and trailing OWS (SP / HTAB). */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Split a #list (RFC 9110 §5.6.1) into trimmed, lower-cased items; empty elements are dropped, as §5.6.1.2 asks.
 * `keepEmpty` is for values that are not tokens (Content-Length): case is kept, and a wholly empty value
 * comes back as one empty item so the caller can reject it.
 */
export function splitList(value: string, out: string[], keepEmpty = false): void {
  if (value.indexOf(',') === -1) {
    const item = trimOws(value);
    if (item !== '' || keepEmpty) out.push(keepEmpty ? item : item.toLowerCase());
    return;
  }
  for (const part of value.split(',')) {
    const item = trimOws(part);
    if (item !== '') out.push(keepEmpty ? item : item.toLowerCase());
  }
}
