import type { RequestTiming } from './client-timing.js';
import { HttpError } from '../shared/errors.js';

// Errors of the HTTP client: one class, stable codes, messages that name the
// origin, the request and the byte counts involved.

/**
 * Stable codes of {@link HttpClientError}:
 * - `HTTP_CLIENT_CONNECT`: the TCP connection could not be opened.
 * - `HTTP_CLIENT_SOCKET`: the connection closed or reset before the response
 *   (an idempotent request that was eligible has already been retried once).
 * - `HTTP_CLIENT_NOT_RETRIED`: same, for a non-idempotent request (POST, PATCH):
 *   it may or may not have been processed, so it was not sent again.
 * - `HTTP_CLIENT_BODY_TOO_SHORT`: the connection ended before Content-Length bytes (RFC 9112 §8).
 * - `HTTP_CLIENT_EXTRA_BYTES`: bytes arrived after a complete response that no request asked for.
 * - `HTTP_CLIENT_BAD_RESPONSE`: the response broke RFC 9112 (the parser's error is the cause).
 * - `HTTP_CLIENT_TIMEOUT`: no complete response within `responseTimeoutMs`.
 * - `HTTP_CLIENT_CLOSED`: the client was closed before the request finished.
 * - `HTTP_CLIENT_INVALID_REQUEST`: the caller asked for something that cannot be sent.
 */
export type HttpClientErrorCode =
  | 'HTTP_CLIENT_CONNECT'
  | 'HTTP_CLIENT_SOCKET'
  | 'HTTP_CLIENT_NOT_RETRIED'
  | 'HTTP_CLIENT_BODY_TOO_SHORT'
  | 'HTTP_CLIENT_EXTRA_BYTES'
  | 'HTTP_CLIENT_BAD_RESPONSE'
  | 'HTTP_CLIENT_TIMEOUT'
  | 'HTTP_CLIENT_CLOSED'
  | 'HTTP_CLIENT_INVALID_REQUEST';

/**
 * Every error the client rejects a request with.
 *
 * @example
 * try { await client.request({ origin, method: 'POST', path: '/order', body }); }
 * catch (e) {
 *   if (e instanceof HttpClientError && e.code === 'HTTP_CLIENT_NOT_RETRIED') console.log('maybe processed:', e.message);
 * }
 */
export class HttpClientError extends HttpError {
  readonly code: HttpClientErrorCode;
  /** The socket error underneath (ECONNRESET, EPIPE), when there was one. */
  readonly socketCode: string | undefined;
  /** How many times the request was sent (2 when a retry also failed). */
  attempts = 1;
  /** Where the failed request's time went, ending in a `no-answer` phase (set by the pool). */
  timing: RequestTiming | undefined;
  constructor(code: HttpClientErrorCode, message: string, options?: { cause?: unknown; socketCode?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpClientError';
    this.code = code;
    this.socketCode = options?.socketCode;
  }
}
