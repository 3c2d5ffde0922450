// Errors with stable codes: callers branch on `code`, people read `message`.

/** Codes: NETLAB_LINK (the delay line's packet sockets), NETLAB_UNSUPPORTED, NETLAB_DELAY_LINE, NETLAB_RELAY, NETLAB_TIMING, NETLAB_HTTP. */
export type NetlabErrorCode = 'NETLAB_LINK' | 'NETLAB_UNSUPPORTED' | 'NETLAB_DELAY_LINE' | 'NETLAB_RELAY' | 'NETLAB_TIMING' | 'NETLAB_HTTP';

/**
 * Every error netlab throws on purpose.
 *
 * @example
 * try { await line.close(); } catch (e) { if (e instanceof NetlabError && e.code === 'NETLAB_DELAY_LINE') ... }
 */
export class NetlabError extends Error {
  readonly code: NetlabErrorCode;
  constructor(code: NetlabErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetlabError';
    this.code = code;
  }
}
