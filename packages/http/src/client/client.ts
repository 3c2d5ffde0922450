// The HTTP/1.1 client: one pool per origin, requests in, complete responses out.
//
// Options (defaults in DEFAULT_POOL_OPTIONS): connections 6, pipelining 1,
// retry true, responseTimeoutMs 30000, idleTimeoutMs 4000 (no hint),
// honorKeepAliveHint true, keepAliveMarginMs 1000, maxIdleMs 600000, limits
// (the parser's), timer (none).
import { EventEmitter } from 'node:events';
import { parseOrigin, prepareRequest } from './client-request.js';
import type { RequestOptions } from './client-request.js';
import { Pool } from './pool.js';
import type { ClientResponse, PoolEvents, PoolOptions } from './pool.js';
import type { TimerFactory } from './client-timing.js';

/** Client settings: the pool settings, applied to every origin; `timer` makes each response carry a `T`. */
export type ClientOptions<T = undefined> = Partial<Omit<PoolOptions, 'timer'>> & { timer?: TimerFactory<T> };

/**
 * A persistent, pipelining HTTP/1.1 client written on `net`.
 *
 * @example
 * const client = new HttpClient({ connections: 2, pipelining: 4 });
 * const res = await client.request({ origin: 'http://127.0.0.1:8080', path: '/' });
 * console.log(res.status, res.reused, res.timing.phases);
 * // with netlab's timing module: new HttpClient({ timer: (label, at) => new TransactionTimer(label, () => at) })
 * await client.close();
 */
export class HttpClient<T = undefined> extends EventEmitter<PoolEvents> {
  readonly options: ClientOptions<T>;
  private readonly pools = new Map<string, Pool>();

  constructor(options: ClientOptions<T> = {}) {
    super();
    this.options = options;
  }

  /** Send one request; resolves when the whole response has arrived. */
  async request(options: RequestOptions): Promise<ClientResponse<T>> {
    const origin = parseOrigin(options.origin);
    const prepared = prepareRequest(options, origin);
    // The pool stores the timer's result untyped; this client's T is what its factory returns.
    return this.pool(origin.key, () => new Pool(origin, this.options)).request(prepared, options.responseTimeoutMs) as Promise<
      ClientResponse<T>
    >;
  }

  /** The pool for an origin (created on first use), for lessons that watch it. */
  poolFor(originInput: RequestOptions['origin']): Pool {
    const origin = parseOrigin(originInput);
    return this.pool(origin.key, () => new Pool(origin, this.options));
  }

  /** Close every pool: queued and in-flight requests fail with HTTP_CLIENT_CLOSED. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private pool(key: string, make: () => Pool): Pool {
    let pool = this.pools.get(key);
    if (!pool) {
      pool = make();
      pool.on('connect', (info) => this.emit('connect', info));
      pool.on('close', (info) => this.emit('close', info));
      pool.on('retry', (info) => this.emit('retry', info));
      this.pools.set(key, pool);
    }
    return pool;
  }
}
