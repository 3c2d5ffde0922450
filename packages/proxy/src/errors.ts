// Errors with stable codes: callers branch on `code`, people read `message`.

/**
 * Codes: PROXY_BAD_REQUEST (a request the proxy cannot route or read),
 * PROXY_UPSTREAM (the server side failed), PROXY_LISTEN (cannot bind).
 */
export type ProxyErrorCode = 'PROXY_BAD_REQUEST' | 'PROXY_UPSTREAM' | 'PROXY_LISTEN';

/**
 * Every error the proxies raise on purpose.
 *
 * @example
 * relay.on('error', (e) => { if (e instanceof ProxyError && e.code === 'PROXY_UPSTREAM') console.log(e.message); });
 */
export class ProxyError extends Error {
  readonly code: ProxyErrorCode;
  constructor(code: ProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}
