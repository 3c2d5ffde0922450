// Size limits of the parser. RFC 9112 sets no numbers; these follow common
// servers (nginx large_client_header_buffers 8k, node:http 16 KiB of headers).

/** Limits applied by {@link HttpParser}; each one maps to a status a server sends. */
export interface ParserLimits {
  /** Longest request-line or status-line, CRLF included (414 URI Too Long, RFC 9112 §3). Default 8192. */
  maxRequestLineSize: number;
  /** Largest header (or trailer) section: field lines with their CRLFs, start-line excluded (431, RFC 6585 §5). Default 16384. */
  maxHeaderSize: number;
  /** Most field lines in one header (or trailer) section (431). Default 100. */
  maxHeaderCount: number;
  /** Largest message body after chunked decoding (413, RFC 9110 §15.5.14). Default 8 MiB. */
  maxBodySize: number;
  /** Longest chunk-size line including its extensions and CRLF (400). Default 4096. */
  maxChunkLineSize: number;
}

/**
 * The parser's default limits.
 *
 * @example
 * ```ts
 * createServer(handler, { maxHeaderSize: DEFAULT_LIMITS.maxHeaderSize * 2 });
 * ```
 */
export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxRequestLineSize: 8192,
  maxHeaderSize: 16384,
  maxHeaderCount: 100,
  maxBodySize: 8 * 1024 * 1024,
  maxChunkLineSize: 4096,
});

/** Fill in defaults and reject nonsense (negative, fractional, NaN) with a message naming the option. */
export function resolveLimits(given: Partial<ParserLimits> = {}): ParserLimits {
  const out: ParserLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ParserLimits)[]) {
    const v = given[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`HTTP parser option ${key} must be a positive integer, got ${String(v)}`);
    out[key] = v;
  }
  return out;
}
