// Errors of the HTTP parser and server: classes with stable codes.

/**
 * Stable codes of {@link HttpParseError}, each with the status a server answers
 * it with (RFC 9110 §15). The code names the rule that was broken.
 *
 * @example
 * ```ts
 * PARSE_ERROR_STATUS.HTTP_PARSE_REQUEST_LINE_TOO_LONG; // 414
 * ```
 */
export const PARSE_ERROR_STATUS = {
  HTTP_PARSE_INVALID_METHOD: 400,
  HTTP_PARSE_INVALID_REQUEST_LINE: 400,
  HTTP_PARSE_INVALID_TARGET: 400,
  HTTP_PARSE_INVALID_VERSION: 400,
  /** RFC 9110 §15.6.6: major version other than 1. */
  HTTP_PARSE_UNSUPPORTED_VERSION: 505,
  HTTP_PARSE_INVALID_STATUS_LINE: 400,
  /** A CR not followed by LF, or an LF not preceded by CR (RFC 9112 §2.2). */
  HTTP_PARSE_INVALID_LINE_ENDING: 400,
  HTTP_PARSE_INVALID_HEADER_NAME: 400,
  /** RFC 9112 §5.1: whitespace between field name and colon MUST be rejected with 400. */
  HTTP_PARSE_WHITESPACE_BEFORE_COLON: 400,
  HTTP_PARSE_INVALID_HEADER_VALUE: 400,
  /** RFC 9112 §5.2: obsolete line folding in a request. */
  HTTP_PARSE_OBS_FOLD: 400,
  /** RFC 9112 §2.2: whitespace between the start-line and the first field. */
  HTTP_PARSE_WHITESPACE_AFTER_START_LINE: 400,
  /** RFC 9112 §3.2: HTTP/1.1 request without Host, more than one Host, or an invalid Host. */
  HTTP_PARSE_MISSING_HOST: 400,
  HTTP_PARSE_DUPLICATE_HOST: 400,
  HTTP_PARSE_INVALID_HOST: 400,
  /** RFC 9112 §6.3 (5), RFC 9110 §8.6: malformed or differing Content-Length values. */
  HTTP_PARSE_INVALID_CONTENT_LENGTH: 400,
  /** RFC 9112 §6.1/§6.3 (3): Content-Length and Transfer-Encoding in one request. */
  HTTP_PARSE_CONTENT_LENGTH_WITH_TRANSFER_ENCODING: 400,
  /** RFC 9112 §6.3 (4): chunked not last, repeated, malformed, or in an HTTP/1.0 request. */
  HTTP_PARSE_INVALID_TRANSFER_ENCODING: 400,
  /** RFC 9112 §6.1: a transfer coding the server does not implement. */
  HTTP_PARSE_UNSUPPORTED_TRANSFER_CODING: 501,
  HTTP_PARSE_INVALID_CHUNK_SIZE: 400,
  HTTP_PARSE_CHUNK_SIZE_OVERFLOW: 400,
  HTTP_PARSE_INVALID_CHUNK_EXTENSION: 400,
  /** Chunk data not followed by CRLF. */
  HTTP_PARSE_INVALID_CHUNK_DATA: 400,
  /** RFC 9112 §2.2: more than a few empty lines before the request-line. */
  HTTP_PARSE_TOO_MANY_EMPTY_LINES: 400,
  /** RFC 9110 §10.1.1: an Expect member other than 100-continue (417 Expectation Failed). */
  HTTP_PARSE_UNSUPPORTED_EXPECTATION: 417,
  /** RFC 9110 §9.1, §15.6.2: a method the server does not implement (501). Raised by the server, not the parser. */
  HTTP_PARSE_METHOD_NOT_IMPLEMENTED: 501,
  /** RFC 9112 §3 / RFC 9110 §15.5.15: the request-line is longer than the limit. */
  HTTP_PARSE_REQUEST_LINE_TOO_LONG: 414,
  /** RFC 6585 §5: header (or trailer) section larger than the limit. */
  HTTP_PARSE_HEADERS_TOO_LARGE: 431,
  HTTP_PARSE_TOO_MANY_HEADERS: 431,
  /** RFC 9110 §15.5.14: body larger than the limit. */
  HTTP_PARSE_BODY_TOO_LARGE: 413,
  /** The stream ended inside a message (RFC 9112 §8). */
  HTTP_PARSE_INCOMPLETE: 400,
  /** execute() after an error or after the parser was handed to another protocol. */
  HTTP_PARSE_CLOSED: 400,
} as const;

export type HttpParseErrorCode = keyof typeof PARSE_ERROR_STATUS;

/**
 * A message broke RFC 9112 or a configured limit. `offset` is the byte offset
 * in the parser's input stream (counted from its creation) where the problem
 * was found; `status` is the response a server should send (400, 413, 414,
 * 417, 431, 501 or 505), always with `Connection: close`.
 *
 * @example
 * ```ts
 * try { parser.execute(chunk); } catch (error) {
 *   if (error instanceof HttpParseError) console.log(error.code, error.status, error.offset);
 * }
 * ```
 */
/**
 * Every error this package throws or rejects with: `instanceof HttpError`, then switch on `code`
 * (undici's pattern). Each code starts with `HTTP_` and never changes once published.
 */
export abstract class HttpError extends Error {
  abstract readonly code: string;
}

export class HttpParseError extends HttpError {
  readonly code: HttpParseErrorCode;
  readonly status: number;
  readonly offset: number;
  constructor(code: HttpParseErrorCode, message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'HttpParseError';
    this.code = code;
    this.status = PARSE_ERROR_STATUS[code];
    this.offset = offset;
  }
}

/** Stable codes of {@link HttpBodyError}. */
export type HttpBodyErrorCode =
  /** The body's framing broke (a bad chunk-size, chunk data without CRLF, a bad trailer): 400. */
  | 'HTTP_BODY_MALFORMED'
  /** The body grew past maxBodySize: 413. */
  | 'HTTP_BODY_TOO_LARGE'
  /** No body bytes for bodyTimeoutMs: 408. */
  | 'HTTP_BODY_TIMEOUT'
  /** The whole request took longer than requestTimeoutMs: 408. */
  | 'HTTP_REQUEST_TIMEOUT'
  /** The client closed its side before the body was complete: 400. */
  | 'HTTP_BODY_INCOMPLETE';

/**
 * A request body could not be read to its end. A handler reading `req.stream`
 * (or awaiting `readBody(req)`) gets this error; the server has already
 * answered `status` in place of the handler's response (unless the handler had
 * begun its own), and the connection closes after it. `cause` is the
 * {@link HttpParseError} for a framing error.
 *
 * @example
 * ```ts
 * createServer(async (req) => {
 *   try { return { body: await readBody(req) }; } catch (e) {
 *     if (e instanceof HttpBodyError) console.log(e.code, e.status); // already answered
 *     throw e;
 *   }
 * });
 * ```
 */
export class HttpBodyError extends HttpError {
  readonly code: HttpBodyErrorCode;
  readonly status: number;
  constructor(code: HttpBodyErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpBodyError';
    this.code = code;
    this.status = status;
  }

  /** The body error for a parse error met inside a body: 413 stays 413, the rest keep their 4xx. */
  static fromParseError(error: HttpParseError): HttpBodyError {
    const code = error.status === 413 ? 'HTTP_BODY_TOO_LARGE' : 'HTTP_BODY_MALFORMED';
    return new HttpBodyError(code, error.status, `request body: ${error.message}`, { cause: error });
  }
}

/**
 * A handler tried to send something that is not valid HTTP (bad header name/value, status).
 * The server answers 500 instead.
 *
 * @example
 * ```ts
 * res.setHeader('X-Evil', 'a\r\nSet-Cookie: x'); // throws HttpResponseError HTTP_RESPONSE_INVALID_HEADER
 * ```
 */
export class HttpResponseError extends HttpError {
  readonly code: 'HTTP_RESPONSE_INVALID_HEADER' | 'HTTP_RESPONSE_INVALID_STATUS' | 'HTTP_RESPONSE_ALREADY_SENT';
  constructor(code: HttpResponseError['code'], message: string) {
    super(message);
    this.name = 'HttpResponseError';
    this.code = code;
  }
}

/**
 * The server could not listen (address in use, bad host). Wraps the system error as `cause`.
 *
 * @example
 * ```ts
 * await server.listen(80).catch((e: HttpServerError) => console.error(e.code, e.message));
 * ```
 */
export class HttpServerError extends HttpError {
  readonly code: 'HTTP_SERVER_LISTEN' | 'HTTP_SERVER_NOT_LISTENING';
  constructor(code: HttpServerError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpServerError';
    this.code = code;
  }
}
