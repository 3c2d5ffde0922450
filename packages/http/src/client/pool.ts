// A per-origin pool: a limit on connections, the most recently used idle
// connection first (LIFO keeps few connections warm and lets the rest time
// out), pipelining where it is safe, and the one retry HTTP allows.
import { EventEmitter } from 'node:events';
import { ClientConnection } from './client-connection.js';
import type { CloseReason, ConnectionOptions, ExchangeSink, RawResponse } from './client-connection.js';
import { HttpClientError } from './client-errors.js';
import { isIdempotent } from './client-keep-alive.js';
import type { Origin, PreparedRequest } from './client-request.js';
import type { BodyFraming } from '../parser/parser.js';
import { getHeader, headerPairs } from '../shared/headers.js';
import { attemptPhases, replayMarks } from './client-timing.js';
import type { AttemptMarks, RequestTiming, TimerFactory } from './client-timing.js';

/** Pool settings; every field has a default in {@link DEFAULT_POOL_OPTIONS}. */
export interface PoolOptions extends ConnectionOptions {
  /** Most connections open to one origin at once. */
  connections: number;
  /** Most requests in flight on one connection (1 = no pipelining). */
  pipelining: number;
  /** Send an idempotent request again, once, on a new connection when a reused one closed without answering. */
  retry: boolean;
  /** Default per-request limit from sending to the complete response. */
  responseTimeoutMs: number;
  /** Build a netlab TransactionTimer (or anything shaped like it) per answered request. */
  timer?: TimerFactory<unknown>;
}

/**
 * The defaults behind every client and pool option.
 *
 * @example
 * new HttpClient({ ...DEFAULT_POOL_OPTIONS, pipelining: 8 })
 */
export const DEFAULT_POOL_OPTIONS: Readonly<PoolOptions> = Object.freeze({
  // Browsers open about six connections per origin (HTTP/1.1, RFC 9112 §9.4 leaves it open).
  connections: 6,
  pipelining: 1,
  retry: true,
  responseTimeoutMs: 30_000,
  // Like undici's keepAliveTimeout: used when the server gives no hint.
  idleTimeoutMs: 4000,
  honorKeepAliveHint: true,
  // Leave this long before the hinted timeout (undici's keepAliveTimeoutThreshold
  // is 2 s; 1 s here still reuses connections from a server that hints timeout=2).
  keepAliveMarginMs: 1000,
  maxIdleMs: 600_000,
  limits: {},
});

/** A complete response with where and how it travelled; `T` is what the `timer` option's timers return. */
export interface ClientResponse<T = unknown> {
  status: number;
  reason: string;
  version: '1.0' | '1.1';
  /** Fields in order as `[name, value]` pairs. */
  headers: [string, string][];
  /** Value of a field (repeated ones joined with ", "), any letter case. */
  header(name: string): string | undefined;
  body: Buffer;
  /** The body decoded as UTF-8. */
  text(): string;
  trailers: [string, string][];
  /** How the body was delimited (RFC 9112 §6.3). */
  framing: BodyFraming;
  /** The connection stayed open after this response. */
  keepAlive: boolean;
  connectionId: number;
  /** The connection had carried an earlier request. */
  reused: boolean;
  /** 1-based position of the request on its connection. */
  indexOnConnection: number;
  /** Written while earlier requests on the connection were unanswered. */
  pipelined: boolean;
  /** 2 when the first attempt got no answer and the request was sent again. */
  attempts: number;
  /** Why the first attempt failed, when there was a retry. */
  retriedAfter?: string;
  timing: RequestTiming;
  /** The `timer` option's record of this attempt (netlab's TimingResult), when a timer was given. */
  transaction: T | undefined;
}

/** What the pool reports as it works (lessons print these). */
export interface PoolEvents {
  connect: [info: { connectionId: number; origin: string }];
  close: [info: { connectionId: number; origin: string; reason: CloseReason; served: number }];
  retry: [info: { method: string; path: string; connectionId: number; error: HttpClientError }];
}

class Exchange implements ExchangeSink {
  readonly request: PreparedRequest;
  readonly responseTimeoutMs: number;
  readonly start = performance.now();
  marks: AttemptMarks = { assigned: 0 };
  indexOnConnection = 0;
  servedBefore = 0;
  inFlightBefore = 0;
  attempts = 1;
  /** Set when a retry is due: only connections opened after this may carry it. */
  failedAt: number | undefined;
  retriedAfter: string | undefined;
  readonly firstAttempt: AttemptMarks[] = [];
  private readonly pool: Pool;
  readonly resolve: (r: ClientResponse) => void;
  readonly reject: (e: unknown) => void;

  constructor(
    pool: Pool,
    request: PreparedRequest,
    responseTimeoutMs: number,
    resolve: (r: ClientResponse) => void,
    reject: (e: unknown) => void,
  ) {
    this.pool = pool;
    this.request = request;
    this.responseTimeoutMs = responseTimeoutMs;
    this.resolve = resolve;
    this.reject = reject;
  }

  onResponse(response: RawResponse, connection: ClientConnection): void {
    this.pool.answered(this, response, connection);
  }

  onFailure(error: HttpClientError, connection: ClientConnection, receivedBytes: boolean): void {
    this.pool.failed(this, error, connection, receivedBytes);
  }
}

/**
 * Connections to one origin.
 *
 * @example
 * const pool = new Pool(parseOrigin('http://127.0.0.1:8080'), { connections: 2, pipelining: 4 });
 * const res = await pool.request(prepareRequest({ origin: 'http://127.0.0.1:8080', path: '/' }, pool.origin));
 * await pool.close();
 */
export class Pool extends EventEmitter<PoolEvents> {
  readonly origin: Origin;
  readonly options: PoolOptions;
  private readonly connections = new Set<ClientConnection>();
  /** Idle connections, most recently used last. */
  private readonly idle: ClientConnection[] = [];
  private readonly queue: Exchange[] = [];
  /** Retries go before new requests, in the order their requests were sent. */
  private readonly retries: Exchange[] = [];
  private pumpScheduled = false;
  private closed = false;
  private readonly born = new Map<ClientConnection, number>();

  constructor(origin: Origin, options: Partial<PoolOptions> = {}) {
    super();
    this.origin = origin;
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
    for (const key of ['connections', 'pipelining'] as const) {
      const v = this.options[key];
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`pool option ${key} must be a positive integer, got ${String(v)}`);
    }
  }

  /** Open connections, for lessons: id, requests served, in flight, idle or not. */
  snapshot(): { id: number; served: number; inFlight: number; idle: boolean; persistent: boolean }[] {
    return [...this.connections].map((c) => ({
      id: c.id,
      served: c.served,
      inFlight: c.pending,
      idle: c.idle,
      persistent: c.knownPersistent,
    }));
  }

  /** Send a prepared request; resolves with the complete response. */
  request(request: PreparedRequest, responseTimeoutMs = this.options.responseTimeoutMs): Promise<ClientResponse> {
    return new Promise<ClientResponse>((resolve, reject) => {
      if (this.closed) {
        reject(new HttpClientError('HTTP_CLIENT_CLOSED', `${request.method} ${request.path} to ${this.origin.key}: the pool is closed`));
        return;
      }
      this.queue.push(new Exchange(this, request, responseTimeoutMs, resolve, reject));
      this.pump();
    });
  }

  /** Reject queued requests, destroy every connection (in-flight requests fail with HTTP_CLIENT_CLOSED). */
  async close(): Promise<void> {
    this.closed = true;
    for (const ex of [...this.retries.splice(0), ...this.queue.splice(0)]) {
      ex.reject(
        new HttpClientError(
          'HTTP_CLIENT_CLOSED',
          `${ex.request.method} ${ex.request.path} to ${this.origin.key}: the client was closed before it was sent`,
        ),
      );
    }
    const waits = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.closed) resolve();
          else c.socket.once('close', () => resolve());
          c.close('client-closed');
        }),
    );
    await Promise.all(waits);
  }

  // --- called by exchanges --------------------------------------------------

  /** @internal */
  answered(ex: Exchange, raw: RawResponse, connection: ClientConnection): void {
    const head = raw.head;
    const timing = attemptPhases(ex.start, ex.firstAttempt, ex.marks, connection.id);
    ex.resolve({
      status: head.status,
      reason: head.reason,
      version: head.versionMinor === 0 ? '1.0' : '1.1',
      headers: headerPairs(head.rawHeaders),
      header: (name) => getHeader(head.rawHeaders, name),
      body: raw.body,
      text: () => raw.body.toString('utf8'),
      trailers: headerPairs(raw.trailers),
      framing: head.framing,
      keepAlive: raw.keepAlive,
      connectionId: connection.id,
      reused: ex.indexOnConnection > 1,
      indexOnConnection: ex.indexOnConnection,
      pipelined: ex.inFlightBefore > 0,
      attempts: ex.attempts,
      ...(ex.retriedAfter !== undefined ? { retriedAfter: ex.retriedAfter } : {}),
      timing,
      transaction: this.options.timer
        ? replayMarks(this.options.timer, `${ex.request.method} ${ex.request.path}`, ex.marks, ex.indexOnConnection > 1, {
            status: head.status,
            connection: connection.id,
            pipelined: ex.inFlightBefore > 0 ? 1 : 0,
            attempts: ex.attempts,
          })
        : undefined,
    });
    this.schedulePump();
  }

  /** @internal */
  failed(ex: Exchange, error: HttpClientError, connection: ClientConnection, receivedBytes: boolean): void {
    error.attempts = ex.attempts;
    const failedAt = performance.now();
    error.timing = attemptPhases(ex.start, ex.firstAttempt, ex.marks, connection.id, failedAt);
    const written = ex.marks.sendStart !== undefined;
    // The book's rule: a request may be sent again only if nothing of its
    // answer arrived, it is idempotent, and the connection had carried other
    // requests (a reused or pipelined connection can be closed under us at any
    // time; a fresh one failing means the server is broken, and retrying
    // would not help).
    const noAnswer = error.code === 'HTTP_CLIENT_SOCKET' && !receivedBytes;
    const usedBefore = ex.servedBefore > 0 || ex.inFlightBefore > 0;
    if (noAnswer && written && !isIdempotent(ex.request.method)) {
      const refused = notRetried(ex, error, connection, this.origin);
      refused.timing = error.timing;
      ex.reject(refused);
      return;
    }
    if (noAnswer && usedBefore && this.options.retry && ex.attempts === 1 && !this.closed) {
      ex.attempts = 2;
      ex.failedAt = performance.now();
      ex.retriedAfter = error.socketCode ?? error.code;
      ex.firstAttempt.push(ex.marks);
      ex.marks = { assigned: 0 };
      this.emit('retry', { method: ex.request.method, path: ex.request.path, connectionId: connection.id, error });
      this.retries.push(ex);
      this.schedulePump();
      return;
    }
    ex.reject(error);
  }

  // --- dispatch -------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // After the connection has finished its own bookkeeping for this read
    // (idle or not, closing or not), so the pick below sees its real state.
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed) {
      const fromRetries = this.retries.length > 0;
      const ex = fromRetries ? this.retries[0] : this.queue[0];
      if (!ex) return;
      const connection = this.pick(ex);
      if (!connection) return;
      (fromRetries ? this.retries : this.queue).shift();
      ex.marks.assigned = performance.now();
      connection.assign(ex);
    }
  }

  private eligible(ex: Exchange, c: ClientConnection): boolean {
    return ex.failedAt === undefined || (this.born.get(c) ?? 0) > ex.failedAt;
  }

  private pick(ex: Exchange): ClientConnection | undefined {
    const o = this.options;
    const idempotent = isIdempotent(ex.request.method);
    // 1. The most recently used idle connection that is still good.
    const now = performance.now();
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i]!;
      if (c.closed || !c.idle) {
        this.idle.splice(i, 1);
        continue;
      }
      if (c.expired(now)) {
        this.idle.splice(i, 1);
        c.close(o.honorKeepAliveHint && c.lastHint.timeoutSeconds !== undefined ? 'keep-alive-hint' : 'idle-timeout');
        continue;
      }
      if (this.eligible(ex, c) && c.canTake(o.pipelining, idempotent)) {
        this.idle.splice(i, 1);
        return c;
      }
    }
    // 2. A new connection while under the limit.
    if (this.connections.size < o.connections) return this.open();
    // 3. Pipeline behind others on a connection known to persist.
    if (o.pipelining > 1 && idempotent) {
      let best: ClientConnection | undefined;
      for (const c of this.connections) {
        if (c.pending > 0 && this.eligible(ex, c) && c.canTake(o.pipelining, true) && (!best || c.pending < best.pending)) best = c;
      }
      if (best) return best;
    }
    // 4. A retry needs a new connection: make room by dropping the oldest idle one.
    if (ex.failedAt !== undefined && this.idle.length > 0) {
      this.idle.shift()!.close('evicted');
      return this.open();
    }
    return undefined;
  }

  private open(): ClientConnection {
    const c = new ClientConnection(this.origin, this.options, {
      onIdle: (conn) => {
        const at = this.idle.indexOf(conn);
        if (at >= 0) this.idle.splice(at, 1);
        this.idle.push(conn);
        this.schedulePump();
      },
      // Closing on purpose frees the slot at once, so a retry can open its new connection.
      onClosing: (conn) => this.forget(conn),
      onClosed: (conn, reason) => {
        this.forget(conn);
        this.emit('close', { connectionId: conn.id, origin: this.origin.key, reason, served: conn.served });
        this.schedulePump();
      },
    });
    this.connections.add(c);
    this.born.set(c, performance.now());
    c.socket.once('connect', () => this.emit('connect', { connectionId: c.id, origin: this.origin.key }));
    return c;
  }

  private forget(c: ClientConnection): void {
    this.connections.delete(c);
    this.born.delete(c);
    const at = this.idle.indexOf(c);
    if (at >= 0) this.idle.splice(at, 1);
  }
}

function notRetried(ex: Exchange, error: HttpClientError, connection: ClientConnection, origin: Origin): HttpClientError {
  const cause = error.socketCode && error.socketCode !== 'closed by the server' ? error.socketCode : 'the server closed it';
  const e = new HttpClientError(
    'HTTP_CLIENT_NOT_RETRIED',
    `${ex.request.method} ${ex.request.path} to ${origin.key}: connection #${connection.id} ended (${cause}) after the request was sent and before any response; ` +
      `the server may or may not have processed it, and ${ex.request.method} is not idempotent (RFC 9110 §9.2.2), so it was not sent again`,
    { cause: error, ...(error.socketCode !== undefined ? { socketCode: error.socketCode } : {}) },
  );
  e.attempts = ex.attempts;
  return e;
}
