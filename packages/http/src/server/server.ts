// createServer: the HTTP/1.1 server on net, with its live connection table.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Connection } from './connection.js';
import type { CloseReason, ConnectionHost, ConnectionState, Handler } from './connection.js';
import { DeadlineList } from './deadline-list.js';
import { HttpServerError } from '../shared/errors.js';
import { HandleIo, acceptHandles, handleIoAvailable } from './handle-io.js';
import { StreamIo } from './socket-io.js';
import type { SocketIo } from './socket-io.js';
import type { HttpParser } from '../parser/parser.js';
import type { HttpParseError } from '../shared/errors.js';
import { resolveLimits } from '../shared/limits.js';
import type { ParserLimits } from '../shared/limits.js';
import type { HttpRequest } from './request.js';
import type { HttpResponse } from './response.js';

/** Options of {@link createServer}; every limit of the parser is accepted too. */
export interface ServerOptions extends Partial<ParserLimits> {
  /** Idle time allowed after a response before the server closes (restarts after every response). Default 5000. */
  keepAliveTimeoutMs?: number;
  /** Time allowed from the first byte of a request to the end of its head (slowloris). Default 10000. */
  headersTimeoutMs?: number;
  /** Longest silence while a request body is being read (nginx's client_body_timeout); on expiry 408 + close. Default 60000. */
  bodyTimeoutMs?: number;
  /** Time allowed from the first byte of a request to the end of its body (node:http's requestTimeout); on expiry 408 + close. At least headersTimeoutMs. Default 300000. */
  requestTimeoutMs?: number;
  /** Methods the handler implements; any other is answered 501 (RFC 9110 §9.1). Default: the eight of RFC 9110 and PATCH. */
  methods?: readonly string[];
  /** Responses per connection; the last says `Connection: close`. 0 = no limit. Default 1000 (nginx's keepalive_requests). */
  maxRequestsPerConnection?: number;
  /** After the server half-closes, how long it drains the client's input before dropping the socket. Default 2000. */
  lingerMs?: number;
  /** Bodies up to this size arrive as `req.body`; larger ones as `req.stream`. Default 65536. */
  bodyBufferSize?: number;
  /** Stop reading a connection while this many responses are pending. Default 64. */
  maxPipelinedRequests?: number;
  /** Send a Date field (RFC 9110 §6.6.1). Default true. */
  date?: boolean;
  /** TCP_NODELAY on accepted sockets (responses are written whole, so Nagle only adds delay). Default true. */
  noDelay?: boolean;
  /**
   * 'handle' (default): read and write each socket through its libuv handle,
   * skipping the Readable/Writable machinery, where this Node allows it (see
   * `socketIo` on the server for what was chosen). 'stream': the stream API only.
   */
  socketIo?: 'handle' | 'stream';
}

/** One row of `server.connections()`: the notes' keep-alive record, live. */
export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
  remotePort: number;
  state: ConnectionState;
  /** Responses written on this connection. */
  requestsServed: number;
  /** Request heads received (served + in flight). */
  requestsReceived: number;
  /** Responses pending (pipelined or in flight). */
  pending: number;
  /** Wall-clock ms when the connection was accepted. */
  startedAt: number;
  /** ms since the last byte read or response written. */
  idleMs: number;
  /** Wall-clock ms when the running timer (idle, header, body or linger) expires; null while a handler runs. */
  deadline: number | null;
  /** Which timer `deadline` belongs to. */
  timer: TimerName | null;
  /** Why it is closing or closed (null while open). */
  closeReason: CloseReason | null;
  /** How its bytes move: through the socket's libuv handle, or through the stream API. */
  socketIo: 'handle' | 'stream';
}

/** The server's timer lists. */
export type TimerName = 'idle' | 'header' | 'body' | 'linger';

/** What {@link HttpServer.close} did, counted. */
export interface CloseReport {
  /** Connections closed at once: idle, or with a request head still incomplete. */
  closedAtOnce: number;
  /** Connections with requests in flight when close() was called. */
  busy: number;
  /** Responses completed after close() was called. */
  answered: number;
  /** Requests cut at graceMs: their head had arrived, their response was not complete. */
  cut: number;
  /** Connections destroyed at graceMs (with cut requests, or still lingering after their last response). */
  forced: number;
  /** ms from close() until every connection was gone. */
  ms: number;
}

/** Events of {@link HttpServer}, for lessons to observe. */
export interface HttpServerEvents {
  /** A connection was accepted. */
  connectionOpen: [info: ConnectionInfo];
  /**
   * The server sent its FIN (half-close), with the reason: every response is out,
   * and the connection now lingers, reading and dropping input, until the client
   * closes too or the linger expires. `connectionClose` follows.
   */
  connectionEnd: [info: ConnectionInfo, reason: CloseReason];
  /** A connection ended, with the reason. */
  connectionClose: [info: ConnectionInfo, reason: CloseReason];
  /** A request head was parsed (the handler runs when its body is complete, or streams). */
  request: [req: HttpRequest];
  /** A response was handed to the socket. */
  response: [info: { connectionId: number; index: number; status: number; close: boolean }];
  /** Malformed input: answered with error.status and Connection: close. */
  clientError: [error: HttpParseError, info: ConnectionInfo];
  /** A handler threw or rejected (answered 500 when the head was not sent yet). */
  handlerError: [error: unknown, req: HttpRequest | null];
  /** A timer sweep expired `expired` connections of the idle, header or linger list; `remaining` are still open. */
  sweep: [info: { timer: TimerName; expired: number; remaining: number }];
}

// The Date value, refreshed by a timer rather than computed per response.
let dateValue = '';
let dateTimer: NodeJS.Timeout | null = null;
function refreshDate(): void {
  dateValue = new Date().toUTCString(); // IMF-fixdate (RFC 9110 §5.6.7)
}
function currentDate(): string {
  if (!dateTimer) {
    refreshDate();
    // Re-align to each second boundary so the value is never more than a few ms late.
    const tick = (): void => {
      refreshDate();
      dateTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 1);
      dateTimer.unref();
    };
    dateTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 1);
    dateTimer.unref();
  }
  return dateValue;
}

// RFC 9110 §9.3 defines eight methods; PATCH is RFC 5789.
const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

function positiveInt(name: string, value: number | undefined, dflt: number, allowZero = false): number {
  if (value === undefined) return dflt;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1))
    throw new RangeError(`createServer option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`);
  return value;
}

/**
 * The server. Create it with {@link createServer}, then `await listen()`.
 *
 * @example
 * ```ts
 * const server = createServer(echoHandler, { maxRequestsPerConnection: 5 });
 * await server.listen(0);
 * setInterval(() => console.table(server.connections()), 1000).unref();
 * ```
 */
export class HttpServer extends EventEmitter<HttpServerEvents> implements ConnectionHost {
  readonly handler: Handler;
  readonly limits: ParserLimits;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly methods: ReadonlySet<string>;
  readonly maxRequests: number;
  readonly lingerMs: number;
  readonly bodyBufferSize: number;
  readonly maxPipelined: number;
  /** How sockets are read and written: 'handle' when asked for and this Node allows it, else 'stream'. */
  readonly socketIo: 'handle' | 'stream';
  readonly idleList: DeadlineList<Connection>;
  readonly headerList: DeadlineList<Connection>;
  readonly bodyList: DeadlineList<Connection>;
  readonly lingerList: DeadlineList<Connection>;
  readonly spareParsers: HttpParser[] = [];
  draining = false;
  private readonly net: net.Server;
  private readonly live = new Map<number, Connection>();
  private nextId = 1;
  private readonly sendDate: boolean;
  private readonly noDelay: boolean;
  private closing: Promise<CloseReport> | null = null;
  private allClosed: (() => void) | null = null;
  private answeredWhileDraining = 0;
  // Whether 'request' / 'response' have listeners, kept up to date by the
  // emitter's own newListener/removeListener events: asked on every request.
  private observeRequests = false;
  private observeResponses = false;

  constructor(handler: Handler, options: ServerOptions = {}) {
    super();
    this.handler = handler;
    const {
      keepAliveTimeoutMs,
      headersTimeoutMs,
      bodyTimeoutMs,
      requestTimeoutMs,
      methods,
      maxRequestsPerConnection,
      lingerMs,
      bodyBufferSize,
      maxPipelinedRequests,
      date,
      noDelay,
      socketIo,
      ...limits
    } = options;
    this.limits = resolveLimits(limits);
    this.keepAliveTimeoutMs = positiveInt('keepAliveTimeoutMs', keepAliveTimeoutMs, 5000);
    this.headersTimeoutMs = positiveInt('headersTimeoutMs', headersTimeoutMs, 10_000);
    this.bodyTimeoutMs = positiveInt('bodyTimeoutMs', bodyTimeoutMs, 60_000);
    this.requestTimeoutMs = positiveInt('requestTimeoutMs', requestTimeoutMs, 300_000);
    // As node:http insists: the whole request cannot be due before its head.
    if (this.requestTimeoutMs < this.headersTimeoutMs)
      throw new RangeError(
        `createServer option requestTimeoutMs (${this.requestTimeoutMs}) must be at least headersTimeoutMs (${this.headersTimeoutMs})`,
      );
    if (
      methods !== undefined &&
      (!Array.isArray(methods) ||
        methods.length === 0 ||
        !methods.every((m) => typeof m === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(m)))
    ) {
      throw new RangeError(`createServer option methods must be a non-empty list of method tokens, got ${JSON.stringify(methods)}`);
    }
    this.methods = new Set(methods ?? DEFAULT_METHODS);
    this.maxRequests = positiveInt('maxRequestsPerConnection', maxRequestsPerConnection, 1000, true);
    this.lingerMs = positiveInt('lingerMs', lingerMs, 2000);
    this.bodyBufferSize = positiveInt('bodyBufferSize', bodyBufferSize, 65536);
    this.maxPipelined = positiveInt('maxPipelinedRequests', maxPipelinedRequests, 64);
    this.sendDate = date ?? true;
    this.noDelay = noDelay ?? true;
    // Checked at run time too: JavaScript callers get no type check.
    if (socketIo !== undefined && !(['handle', 'stream'] as unknown[]).includes(socketIo))
      throw new RangeError(`createServer option socketIo must be 'handle' or 'stream', got ${JSON.stringify(socketIo)}`);
    this.socketIo = (socketIo ?? 'handle') === 'handle' && handleIoAvailable ? 'handle' : 'stream';
    const clock = (): number => performance.now();
    const swept =
      (timer: TimerName) =>
      (expired: number): void => {
        if (this.listenerCount('sweep') > 0) this.emit('sweep', { timer, expired, remaining: this.live.size });
      };
    this.idleList = new DeadlineList<Connection>('idle', this.keepAliveTimeoutMs, (c) => c.idleExpired(), clock, swept('idle'));
    this.headerList = new DeadlineList<Connection>('header', this.headersTimeoutMs, (c) => c.headerExpired(), clock, swept('header'));
    this.bodyList = new DeadlineList<Connection>('body', this.bodyTimeoutMs, (c) => c.bodyExpired(), clock, swept('body'));
    this.lingerList = new DeadlineList<Connection>('linger', this.lingerMs, (c) => c.lingerExpired(), clock, swept('linger'));
    // allowHalfOpen: a client's FIN must not close our side before its responses are out.
    this.net = net.createServer({ allowHalfOpen: true }, (socket) => this.acceptSocket(socket));
    this.net.on('error', () => undefined);
    const untyped = this as unknown as EventEmitter; // the typed map has no newListener/removeListener
    untyped.on('newListener', (event: string | symbol) => {
      if (event === 'request') this.observeRequests = true;
      else if (event === 'response') this.observeResponses = true;
    });
    untyped.on('removeListener', (event: string | symbol) => {
      if (event === 'request') this.observeRequests = this.listenerCount('request') > 0;
      else if (event === 'response') this.observeResponses = this.listenerCount('response') > 0;
    });
    // Before any connection is accepted ('listening' comes a tick after the bind, ahead of the first poll).
    if (this.socketIo === 'handle') this.net.once('listening', () => acceptHandles(this.net, this.noDelay, (h) => this.acceptHandle(h)));
  }

  /**
   * Listen on host:port (port 0 picks a free one). Resolves with the bound address.
   *
   * @example
   * ```ts
   * const { port } = await server.listen(0, '127.0.0.1');
   * ```
   */
  listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(new HttpServerError('HTTP_SERVER_LISTEN', `cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
      };
      this.net.once('error', onError);
      this.net.listen(port, host, () => {
        this.net.off('error', onError);
        resolve(this.address());
      });
    });
  }

  /** The bound address; throws HTTP_SERVER_NOT_LISTENING before listen(). */
  address(): AddressInfo {
    const a = this.net.address();
    if (!a || typeof a === 'string') throw new HttpServerError('HTTP_SERVER_NOT_LISTENING', 'server is not listening on a TCP port');
    return a;
  }

  /** `http://host:port` of the bound address. */
  get url(): string {
    const a = this.address();
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** The live connection table (the notes' keep_alive_list). */
  connections(): ConnectionInfo[] {
    const out: ConnectionInfo[] = [];
    const now = performance.now();
    for (const c of this.live.values()) out.push(this.info(c, now));
    return out;
  }

  /**
   * Stop accepting; close idle connections (and those with a request head
   * still incomplete) at once; let every request whose head has arrived finish
   * (its body read, its handler run, its response written, the last one on each
   * connection saying `Connection: close`); destroy whatever is left after
   * `graceMs` (default 5000). Body and request timeouts keep running meanwhile.
   * Resolves, when every connection is gone, with what it did.
   */
  close({ graceMs = 5000 }: { graceMs?: number } = {}): Promise<CloseReport> {
    if (this.closing) return this.closing;
    if (!Number.isFinite(graceMs) || graceMs < 0)
      throw new RangeError(`close() option graceMs must be a non-negative number, got ${String(graceMs)}`);
    this.draining = true;
    const t0 = performance.now();
    const report: CloseReport = { closedAtOnce: 0, busy: 0, answered: 0, cut: 0, forced: 0, ms: 0 };
    this.answeredWhileDraining = 0;
    this.closing = new Promise<CloseReport>((resolve) => {
      let netClosed = false;
      const check = (): void => {
        if (netClosed && this.live.size === 0) {
          clearTimeout(grace);
          this.idleList.clear();
          this.headerList.clear();
          this.bodyList.clear();
          this.lingerList.clear();
          report.answered = this.answeredWhileDraining;
          report.ms = Math.round(performance.now() - t0);
          resolve(report);
        }
      };
      this.allClosed = check;
      const grace = setTimeout(() => {
        for (const c of [...this.live.values()]) {
          if (c.state === 'closed') continue;
          report.cut += c.forceClose();
          report.forced++;
        }
      }, graceMs);
      grace.unref();
      this.net.close(() => {
        netClosed = true;
        check();
      });
      for (const c of [...this.live.values()]) {
        if (c.state === 'closing' || c.state === 'closed') continue;
        if (c.drain()) report.busy++;
        else report.closedAtOnce++;
      }
      check();
    });
    return this.closing;
  }

  // --- ConnectionHost --------------------------------------------------------

  date(): string | null {
    return this.sendDate ? currentDate() : null;
  }

  observesClose(): boolean {
    return this.listenerCount('connectionClose') > 0 || this.listenerCount('connectionEnd') > 0;
  }

  connectionEnded(conn: Connection): void {
    if (this.listenerCount('connectionEnd') > 0)
      this.emit('connectionEnd', this.info(conn, performance.now()), conn.closeReason ?? 'client-close');
  }

  connectionClosed(conn: Connection): void {
    this.live.delete(conn.id);
    if (this.listenerCount('connectionClose') > 0)
      this.emit('connectionClose', this.info(conn, performance.now()), conn.closeReason ?? 'client-close');
    this.allClosed?.();
  }

  requestStarted(req: HttpRequest): void {
    if (this.observeRequests) this.emit('request', req);
  }

  responseSent(conn: Connection, res: HttpResponse): void {
    if (this.draining) this.answeredWhileDraining++;
    if (this.observeResponses) {
      this.emit('response', { connectionId: conn.id, index: res.req.index, status: res.statusCode, close: res.close });
    }
  }

  clientError(conn: Connection, error: HttpParseError): void {
    if (this.listenerCount('clientError') > 0) this.emit('clientError', error, this.info(conn, performance.now()));
  }

  handlerError(_conn: Connection, req: HttpRequest | null, error: unknown): void {
    if (this.listenerCount('handlerError') > 0) this.emit('handlerError', error, req);
  }

  // --- internals -------------------------------------------------------------

  /** A connection accepted as a raw handle (handle I/O): no net.Socket is built for it. */
  private acceptHandle(handle: unknown): void {
    if (this.draining) {
      HandleIo.reject(handle);
      return;
    }
    const io = HandleIo.adopt(handle);
    if (io) this.accept(io);
    // A handle this code does not recognise: let net.Socket drive it.
    else this.acceptSocket(new net.Socket({ handle, allowHalfOpen: true, readable: true, writable: true } as net.SocketConstructorOpts));
  }

  private acceptSocket(socket: net.Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    if (this.noDelay) socket.setNoDelay(true);
    this.accept(new StreamIo(socket));
  }

  private accept(io: SocketIo): void {
    const conn = new Connection(this, this.nextId++, io);
    this.live.set(conn.id, conn);
    if (this.listenerCount('connectionOpen') > 0) this.emit('connectionOpen', this.info(conn, performance.now()));
  }

  private info(c: Connection, now: number): ConnectionInfo {
    const list = c.dlList;
    return {
      id: c.id,
      remoteAddress: c.remoteAddress,
      remotePort: c.remotePort,
      state: c.state,
      requestsServed: c.requestsServed,
      requestsReceived: c.requestsReceived,
      pending: c.pending,
      startedAt: Math.round(performance.timeOrigin + c.startedAt),
      idleMs: Math.max(0, Math.round(now - c.lastActivity)),
      deadline: list ? Math.round(performance.timeOrigin + c.dlDeadline) : null,
      timer: list ? (list.name as TimerName) : null,
      closeReason: c.closeReason,
      socketIo: c.handleIo ? 'handle' : 'stream',
    };
  }
}

/**
 * Create a persistent HTTP/1.1 server on `net`. The handler writes to `res`
 * or returns a {@link ResponseInit}; it may be async, and pipelined responses
 * still leave in request order.
 *
 * @example
 * ```ts
 * const server = createServer((req) => ({ body: `hello ${req.target}\n` }), { keepAliveTimeoutMs: 2000 });
 * const { port } = await server.listen(0);
 * server.on('connectionClose', (info, reason) => console.log(info.id, reason));
 * await server.close();
 * ```
 */
export function createServer(handler: Handler, options: ServerOptions = {}): HttpServer {
  return new HttpServer(handler, options);
}
