// One client connection: parsing, the in-order response queue (pipelining),
// keep-alive bookkeeping and the graceful close.
import { performance } from 'node:perf_hooks';
import type { DeadlineEntry, DeadlineList, DeadlineOwner } from './deadline-list.js';
import { HttpBodyError, HttpParseError } from '../shared/errors.js';
import type { SocketIo, SocketIoOwner } from './socket-io.js';
import { HttpParser } from '../parser/parser.js';
import type { MessageHead } from '../parser/parser.js';
import { BodyStream, HttpRequest } from './request.js';
import { HttpResponse } from './response.js';
import type { ResponseInit, ResponseSink } from './response.js';
import { reasonPhrase, statusLine } from './status.js';
import type { ParserLimits } from '../shared/limits.js';

/** Where a connection is in its life (the notes' ka_flag, spelled out). */
export type ConnectionState =
  /** Waiting for the first byte of the next request (idle timer running). */
  | 'idle'
  /** A request head has started but is not complete (header timer running). */
  | 'reading'
  /** Requests in flight: handlers running or responses being written. */
  | 'active'
  /** Half-closed by the server: output finished, input drained and discarded until the peer closes or the linger ends. */
  | 'closing'
  | 'closed';

/** Why a connection ended. */
export type CloseReason =
  | 'idle-timeout' // keep-alive timeout after the last response
  | 'header-timeout' // request head too slow (slowloris), answered 408
  | 'body-timeout' // no body bytes for bodyTimeoutMs, answered 408
  | 'request-timeout' // whole request longer than requestTimeoutMs, answered 408
  | 'max-requests' // maxRequestsPerConnection responses served
  | 'client-close' // the client closed its side
  | 'connection-close' // the request asked for it: Connection: close, or HTTP/1.0 without keep-alive
  | 'undelimited-response' // a response without a length, ended by the close
  | 'length-mismatch' // a handler-set Content-Length the body did not match: the framing is broken
  | 'parse-error' // malformed request, answered 4xx/5xx
  | 'handler-error' // handler failed after the head was sent
  | 'server-close' // server.close(): idle connection, or in-flight finished
  | 'forced' // server.close() grace period over
  | 'error'; // socket error (ECONNRESET, ...)

/** A handler: write to `res`, or return (or resolve to) a {@link ResponseInit}. */
// void: handlers are usually plain functions that call res.end() and return nothing.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type Handler = (req: HttpRequest, res: HttpResponse) => void | ResponseInit | Promise<void | ResponseInit>;

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly handler: Handler;
  readonly limits: ParserLimits;
  readonly keepAliveTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Methods the handler implements; others are answered 501. */
  readonly methods: ReadonlySet<string>;
  readonly maxRequests: number;
  readonly bodyBufferSize: number;
  readonly maxPipelined: number;
  readonly draining: boolean;
  readonly idleList: DeadlineList<Connection>;
  readonly headerList: DeadlineList<Connection>;
  /** Connections receiving a request body: deadline = last read + bodyTimeoutMs, capped by the request's start + requestTimeoutMs. */
  readonly bodyList: DeadlineList<Connection>;
  readonly lingerList: DeadlineList<Connection>;
  /** Parsers of connections that went idle, for the next connection that reads (same limits). */
  readonly spareParsers: HttpParser[];
  date(): string | null;
  /** Whether anyone listens for connectionEnd / connectionClose (their info carries the peer's address). */
  observesClose(): boolean;
  connectionClosed(conn: Connection): void;
  /** The server's FIN has left: shutdown(SHUT_WR) ran after every queued byte. */
  connectionEnded(conn: Connection): void;
  requestStarted(req: HttpRequest): void;
  responseSent(conn: Connection, res: HttpResponse): void;
  clientError(conn: Connection, error: HttpParseError): void;
  handlerError(conn: Connection, req: HttpRequest | null, error: unknown): void;
}

// perf_hooks' binding, not the global: in Node 20 the global `performance` is a lazy getter, read on every call.
const NOW = (): number => performance.now();
// Shared by every bodiless request: a zero-length Buffer cannot be written to.
const NO_BODY = Buffer.alloc(0);
const NO_PARTS = Object.freeze([]) as unknown as Buffer[]; // shared, never pushed to
const NO_OUTPUT = Object.freeze([]) as unknown as (string | Buffer)[]; // parts already flushed

const REQUEST = { type: 'request' } as const;
const NO_HANDLERS = Object.freeze({}); // a spare parser calls nobody
// Spare parsers kept per server: enough for the connections that read at once.
const MAX_SPARE_PARSERS = 256;

/** One accepted socket and its keep-alive record (requests served, start, last activity, state). */
export class Connection implements DeadlineEntry, ResponseSink, SocketIoOwner {
  // DeadlineEntry links (the connection sits in at most one timer list).
  dlPrev: DeadlineEntry | null = null;
  dlNext: DeadlineEntry | null = null;
  dlDeadline = 0;
  dlList: DeadlineOwner | null = null;

  readonly id: number;
  /** Monotonic ms when accepted (the notes' `time`). */
  readonly startedAt: number;
  /** Monotonic ms of the last byte read or response written. */
  lastActivity: number;
  /** Responses fully handed to the socket (the notes' `req_number`). */
  requestsServed = 0;
  /** Request heads parsed. */
  requestsReceived = 0;
  state: ConnectionState = 'idle';
  closeReason: CloseReason | null = null;
  /** Monotonic ms when the request being read began (for requestTimeoutMs). */
  requestStartedAt = 0;

  private readonly host: ConnectionHost;
  /** Only while the connection reads or has requests in flight: an idle one hands it back (see becomeIdle). */
  private parser: HttpParser | null;
  private parsedBefore = 0; // bytes parsed by earlier parsers of this connection (for error offsets)
  /** The socket: its libuv handle directly, or a net.Socket's stream API. */
  private readonly io: SocketIo;
  // The peer's address, read from the kernel (getpeername) only when someone asks.
  private peerAddress: string | null = null;
  private peerPort = 0;
  private readonly queue: HttpResponse[] = [];
  private current: HttpResponse | null = null; // response of the request being parsed
  private bodyParts: Buffer[] = NO_PARTS;
  private bodySize = 0;
  private inBatch = false;
  private inData = false; // flushing at the end of a read: lastActivity is already now
  private flushQueued = false;
  private stopParsing = false; // a request that closes the connection was parsed
  private pausedForPipeline = false;
  private pausedForBody = false;
  private pausedForDrain = false; // the socket's write buffer is full: read no more requests
  private pendingReason: CloseReason | null = null;

  constructor(host: ConnectionHost, id: number, io: SocketIo) {
    this.host = host;
    this.id = id;
    this.io = io;
    this.startedAt = this.lastActivity = NOW();
    // The connection is its parser's handler object and its socket's owner, and
    // every callback is a shared function: no closures per connection (idle
    // connections stay small). The parser is taken with the first byte.
    this.parser = null;
    // A net.Socket forgets its peer once destroyed: read it now. A handle's is read on demand, but
    // when close events are listened for it is read now too: after the FIN exchange or a reset the
    // kernel no longer answers getpeername (ENOTCONN), and the events would carry port 0.
    if (io.kind === 'stream' || host.observesClose()) this.loadPeer();
    io.start(this);
    host.idleList.add(this, this.startedAt);
  }

  /** Whether this connection reads and writes through its socket's handle instead of the stream API. */
  get handleIo(): boolean {
    return this.io.kind === 'handle';
  }

  get remoteAddress(): string {
    return this.peerAddress ?? this.loadPeer().address;
  }

  get remotePort(): number {
    if (this.peerAddress === null) this.loadPeer();
    return this.peerPort;
  }

  private loadPeer(): { address: string; port: number } {
    const peer = this.io.remote();
    this.peerAddress = peer.address;
    this.peerPort = peer.port;
    return peer;
  }

  /** Responses parsed but not yet fully written. */
  get pending(): number {
    return this.queue.length;
  }

  // --- input -----------------------------------------------------------------

  /** @internal socket 'data', or a handle read (then `chunk` is reused after this returns) */
  onData(chunk: Buffer, length = chunk.length): void {
    this.lastActivity = NOW();
    if (this.state === 'closing' || this.state === 'closed' || this.stopParsing) return; // drain and discard
    if (this.state === 'idle') {
      this.state = 'reading';
      this.host.headerList.add(this, this.lastActivity);
    }
    const parser = this.parser ?? this.takeParser();
    if (this.current === null && parser.idle) this.requestStartedAt = this.lastActivity;
    this.inBatch = true;
    try {
      parser.execute(chunk, length);
    } catch (error) {
      this.inBatch = false;
      this.parseFailed(error);
      return;
    }
    this.inBatch = false;
    if (this.current !== null) this.armBody(); // body bytes arrived: the body timer restarts
    // Same event as the read: the time taken by onData is the response time too.
    this.inData = true;
    this.flush();
    this.inData = false;
  }

  private takeParser(): HttpParser {
    const parser = this.host.spareParsers.pop() ?? new HttpParser(REQUEST, NO_HANDLERS, this.host.limits);
    parser.rebind(this, this.parsedBefore);
    this.parser = parser;
    return parser;
  }

  /** @internal parser callback */
  onHead(head: MessageHead): void {
    const host = this.host;
    // RFC 9110 §9.1: a method the server does not implement is answered 501 (thrown through the parser).
    if (!host.methods.has(head.method))
      throw new HttpParseError('HTTP_PARSE_METHOD_NOT_IMPLEMENTED', `method ${head.method} is not implemented`, this.parser!.offset);
    this.requestsReceived++;
    const req = new HttpRequest(head, this.requestsReceived, this);
    // keep_alive_check: will this connection take another request after this one?
    let close = !head.keepAlive;
    let reason: CloseReason = 'connection-close';
    if (!close && host.maxRequests > 0 && this.requestsReceived >= host.maxRequests) {
      close = true;
      reason = 'max-requests';
    }
    if (!close && host.draining) {
      close = true;
      reason = 'server-close';
    }
    const res = new HttpResponse(this, req, close);
    if (close) this.pendingReason ??= reason;
    this.queue.push(res);
    this.current = res;
    this.bodyParts = NO_PARTS;
    this.bodySize = 0;
    if (this.state === 'reading' || this.state === 'idle') {
      this.host.headerList.remove(this);
      this.state = 'active';
    }
    host.requestStarted(req);
    // RFC 9110 §10.1.1: answer 100 Continue when nothing is queued ahead of it.
    if (head.expectContinue && head.framing !== 'none' && this.queue.length === 1 && req.version !== '1.0') {
      this.io.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    if (head.framing !== 'none') this.armBody();
    if (head.framing === 'length' && head.contentLength > host.bodyBufferSize) this.startStream(res);
  }

  /**
   * (Re)start the body timer: no bytes for bodyTimeoutMs (like nginx's
   * client_body_timeout), or the whole request past requestTimeoutMs (like
   * node:http's requestTimeout), whichever comes first. While the server itself
   * is not reading (the handler does not consume the stream) only the
   * whole-request deadline runs: the silence is not the client's.
   */
  private armBody(): void {
    const host = this.host;
    const whole = this.requestStartedAt + host.requestTimeoutMs;
    const idle = this.lastActivity + host.bodyTimeoutMs;
    host.bodyList.addAt(this, this.pausedForBody || idle > whole ? whole : idle);
  }

  private startStream(res: HttpResponse): void {
    const stream = new BodyStream(() => {
      if (this.pausedForBody) {
        this.pausedForBody = false;
        if (this.current !== null) {
          this.lastActivity = NOW(); // the client's silence is counted from when we read again
          this.armBody();
        }
        this.resumeInput();
      }
    });
    res.req.stream = stream;
    for (const part of this.bodyParts) stream.push(part);
    this.bodyParts = NO_PARTS;
    this.invoke(res);
  }

  /** @internal parser callback */
  onBody(view: Buffer): void {
    const res = this.current!;
    const stream = res.req.stream;
    // A handle read buffer is reused by the next read: keep a copy.
    const chunk = this.io.sharedReadBuffer ? Buffer.from(view) : view;
    if (stream) {
      if (!stream.push(chunk)) {
        this.pausedForBody = true;
        this.parser?.pause();
        this.io.pause();
        this.armBody();
      }
      return;
    }
    if (this.bodyParts === NO_PARTS) this.bodyParts = [];
    this.bodyParts.push(chunk);
    this.bodySize += chunk.length;
    if (this.bodySize > this.host.bodyBufferSize) this.startStream(res);
  }

  /** @internal parser callback */
  onComplete(trailers: string[]): void {
    const res = this.current!;
    this.current = null;
    this.host.bodyList.remove(this);
    // A pipelined request after this one began at this read at the latest.
    this.requestStartedAt = this.lastActivity;
    res.req.trailers = trailers;
    if (res.req.stream) {
      res.req.stream.push(null);
      if (this.pausedForBody) {
        // Paused on the body's last chunk: an ended stream never asks for more,
        // and the bytes after it belong to the next request.
        this.pausedForBody = false;
        queueMicrotask(() => this.resumeInput());
      }
    } else {
      const parts = this.bodyParts;
      // A single view of a stream read is copied so the body does not pin the whole read.
      res.req.body =
        parts.length === 0
          ? NO_BODY
          : parts.length > 1
            ? Buffer.concat(parts)
            : this.io.sharedReadBuffer
              ? parts[0]!
              : Buffer.from(parts[0]!);
      this.bodyParts = NO_PARTS;
      this.invoke(res);
    }
    if (res.close) {
      // Stop reading requests after one that closes the connection; later bytes are discarded.
      this.stopParsing = true;
      this.parser?.pause();
    } else if (this.queue.length >= this.host.maxPipelined) {
      this.pausedForPipeline = true;
      this.parser?.pause();
      this.io.pause();
    }
  }

  private invoke(res: HttpResponse): void {
    let result: ReturnType<Handler>;
    try {
      result = this.host.handler(res.req, res);
    } catch (error) {
      this.handlerFailed(res, error);
      return;
    }
    if (result === undefined) return;
    if (result instanceof Promise) {
      result.then(
        (init) => {
          if (init && !res.finished && this.state !== 'closed') this.safeSend(res, init);
        },
        (error: unknown) => this.handlerFailed(res, error),
      );
      return;
    }
    if (!res.finished) this.safeSend(res, result);
  }

  private safeSend(res: HttpResponse, init: ResponseInit): void {
    try {
      res.send(init);
    } catch (error) {
      this.handlerFailed(res, error);
    }
  }

  private handlerFailed(res: HttpResponse, error: unknown): void {
    // A body error is the client's, reported as clientError (or a timeout) already.
    const bodyError = error instanceof HttpBodyError ? error : null;
    if (!bodyError) this.host.handlerError(this, res.req, error);
    if (this.state === 'closed' || res.finished) return;
    if (res.headersSent) {
      // The framing of this response is broken; nothing after it can be trusted.
      this.pendingReason = 'handler-error';
      this.io.destroy();
      return;
    }
    const index = this.queue.indexOf(res);
    if (index === -1) return; // its request failed and was answered in its place
    const fresh = new HttpResponse(this, res.req, res.close);
    this.queue[index] = fresh;
    // A handler that rethrows a body error gets that error's status, not 500.
    const status = bodyError ? bodyError.status : 500;
    fresh.send({ status, headers: { 'Content-Type': 'text/plain' }, body: `${reasonPhrase(status)}\n` });
  }

  // --- output ----------------------------------------------------------------

  /** ResponseSink: Connection / Keep-Alive lines (RFC 9112 §9.3, RFC 2068 §19.7.1). */
  connectionHeaders(res: HttpResponse): string {
    if (res.close) return 'Connection: close\r\n';
    if (res.req.version === '1.0') {
      const timeout = Math.ceil(this.host.keepAliveTimeoutMs / 1000);
      const max = this.host.maxRequests > 0 ? `, max=${this.host.maxRequests - res.req.index}` : '';
      return `Connection: keep-alive\r\nKeep-Alive: timeout=${timeout}${max}\r\n`;
    }
    return '';
  }

  date(): string | null {
    return this.host.date();
  }

  writableNeedDrain(): boolean {
    return this.io.needDrain;
  }

  responseUpdated(res: HttpResponse): void {
    if (this.inBatch || res !== this.queue[0]) return; // flushed at the end of the batch / when it reaches the front
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  /** Write every response that is ready, in request order, in one write. */
  private flush(): void {
    if (this.state === 'closed') return;
    // Ready bytes: strings are concatenated (one latin1 write); Buffers force a corked writev.
    let text = '';
    let out: (string | Buffer)[] | null = null;
    let closing = false;
    let closeCause: CloseReason = 'connection-close';
    const queue = this.queue;
    while (queue.length > 0) {
      const res = queue[0]!;
      const parts = res.parts;
      if (parts.length > 0) {
        for (const p of parts) {
          if (out) out.push(p);
          else if (typeof p === 'string') text += p;
          else {
            out = text === '' ? [p] : [text, p];
            text = '';
          }
        }
        res.parts = NO_OUTPUT; // the response replaces it before pushing more
      }
      if (!res.finished) break;
      queue.shift();
      this.requestsServed++;
      this.host.responseSent(this, res);
      if (res.close) {
        closing = true;
        closeCause = res.lengthMismatch ? 'length-mismatch' : res.req.keepAlive ? 'undelimited-response' : 'connection-close';
        break;
      }
    }
    if (out || text !== '') {
      this.lastActivity = this.inData ? this.lastActivity : NOW();
      if (out) this.io.writev(out);
      // Held for this loop iteration's check phase, to leave with the other connections' responses.
      else if (!closing) this.io.writeSoon(text);
      else this.io.write(text);
      // A client that pipelines without reading must not make us buffer without bound.
      if (!this.pausedForDrain && !closing && this.writableNeedDrain()) {
        this.pausedForDrain = true;
        this.parser?.pause();
        this.io.pause();
        this.io.awaitDrain();
      }
    }
    if (closing) {
      this.queue.length = 0;
      this.beginClose(this.pendingReason ?? closeCause);
      return;
    }
    if (this.pausedForPipeline && queue.length < this.host.maxPipelined) {
      this.pausedForPipeline = false;
      this.resumeInput();
      return;
    }
    if (queue.length === 0 && this.state === 'active') this.becomeIdle();
  }

  /** @internal socket 'drain' (or the handle's write queue emptied) after a pause for backpressure */
  onDrain(): void {
    this.pausedForDrain = false;
    this.resumeInput();
  }

  /** Read again once no pause reason is left; parse again unless parsing has stopped for good. */
  private resumeInput(): void {
    if (this.pausedForPipeline || this.pausedForBody || this.pausedForDrain || this.state === 'closed') return;
    this.io.resume();
    if (this.stopParsing || this.state === 'closing') return;
    this.inBatch = true;
    try {
      this.parser?.resume();
    } catch (error) {
      this.inBatch = false;
      this.parseFailed(error);
      return;
    }
    this.inBatch = false;
    this.flush();
  }

  /** keep_alive_update after a transaction: idle timer from now, or header timer if a request has begun. */
  private becomeIdle(): void {
    if (this.host.draining) {
      this.beginClose('server-close');
      return;
    }
    if (this.current !== null) return; // answered before its body was read: the body timer runs on
    const parser = this.parser;
    if (parser?.readingHead) {
      this.state = 'reading';
      this.host.headerList.add(this, this.lastActivity);
    } else {
      this.state = 'idle';
      this.host.idleList.add(this, this.lastActivity);
      // What an idle keep-alive connection holds is what 10 000 of them cost:
      // its parser goes back to the server's spares.
      if (parser !== null && !parser.isPaused) this.releaseParser();
    }
  }

  /** Hand the parser to the server's spares if it sits between messages with nothing kept (else it is dropped). */
  private releaseParser(): void {
    const parser = this.parser;
    if (parser === null) return;
    this.parsedBefore = parser.offset;
    this.parser = null;
    if (!parser.idle) return;
    parser.rebind(NO_HANDLERS, 0);
    parser.resume(); // paused after a last request: with nothing kept, resuming parses nothing
    if (this.host.spareParsers.length < MAX_SPARE_PARSERS) this.host.spareParsers.push(parser);
  }

  private parseFailed(error: unknown): void {
    if (!(error instanceof HttpParseError)) {
      // A bug on our side, never the client's: do not crash the process.
      this.host.handlerError(this, null, error);
      this.pendingReason = 'error';
      this.io.destroy();
      return;
    }
    this.host.clientError(this, error);
    this.abortRequest(
      error.status,
      `${reasonPhrase(error.status)}: ${error.message}\n`,
      'parse-error',
      HttpBodyError.fromParseError(error),
    );
  }

  /**
   * The request being read cannot complete (malformed or too large body, a
   * timeout): answer `status` in its place and close. The status follows the
   * error, not how the body was consumed: a handler already reading a streamed
   * body gets `bodyError` on its stream, and its response is replaced unless it
   * has begun one (then that finishes, or fails, and the connection closes).
   */
  private abortRequest(status: number, text: string, reason: CloseReason, bodyError: HttpBodyError): void {
    this.stopParsing = true;
    this.parser?.pause();
    this.host.bodyList.remove(this);
    this.pendingReason = reason;
    const cur = this.current;
    this.current = null;
    let req: HttpRequest | null = null;
    if (cur) {
      if (cur.req.stream && !cur.req.stream.destroyed) cur.req.stream.destroy(bodyError);
      const index = this.queue.indexOf(cur);
      if (index !== -1) {
        if (cur.headersSent) {
          cur.close = true;
          this.flush();
          return;
        }
        this.queue.splice(index, 1);
        req = cur.req;
      }
    }
    this.sendError(status, text, req);
  }

  /** Queue an error response that closes the connection (after earlier responses, in order). */
  private sendError(status: number, text: string, req: HttpRequest | null = null): void {
    if (this.state === 'reading' || this.state === 'idle') {
      this.host.headerList.remove(this);
      this.host.idleList.remove(this);
      this.state = 'active';
    }
    const body = Buffer.from(text);
    const res = new HttpResponse(this, req ?? new HttpRequest(ERROR_HEAD, this.requestsReceived + 1, this), true);
    const date = this.host.date();
    res.parts = [
      `${statusLine(status)}Content-Type: text/plain\r\n${date === null ? '' : `Date: ${date}\r\n`}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      body,
    ];
    res.headersSent = true;
    res.finished = true;
    this.queue.push(res);
    this.flush();
  }

  // --- timers and closing ----------------------------------------------------

  /** Idle timer fired (called by the server's idle list). */
  idleExpired(): void {
    this.beginClose('idle-timeout');
  }

  /** Header timer fired: slowloris protection, answered 408 (RFC 9110 §15.5.9). */
  headerExpired(): void {
    this.stopParsing = true;
    this.parser?.pause();
    this.pendingReason = 'header-timeout';
    this.sendError(408, 'Request Timeout: request head not received in time\n');
  }

  /** Body timer fired (called by the server's body list): 408, like the header timeout. */
  bodyExpired(): void {
    const whole = this.dlDeadline >= this.requestStartedAt + this.host.requestTimeoutMs;
    const message = whole
      ? `request not received within requestTimeoutMs ${this.host.requestTimeoutMs}`
      : `no request body bytes for bodyTimeoutMs ${this.host.bodyTimeoutMs}`;
    const error = new HttpBodyError(whole ? 'HTTP_REQUEST_TIMEOUT' : 'HTTP_BODY_TIMEOUT', 408, message);
    this.abortRequest(408, `Request Timeout: ${message}\n`, whole ? 'request-timeout' : 'body-timeout', error);
  }

  /** Linger over: the peer kept the connection open (or kept sending); drop it. */
  lingerExpired(): void {
    this.io.destroy();
  }

  /**
   * server.close(): idle or half-read connections close now (returns false);
   * busy ones finish every request whose head has arrived, its body included,
   * then close (returns true).
   */
  drain(): boolean {
    if (this.state === 'idle' || this.state === 'reading') {
      this.beginClose('server-close');
      return false;
    }
    if (this.state !== 'active') return false;
    // A request whose body is still arriving is read to its end (its response
    // closes, so parsing stops after it); otherwise stop at once.
    if (this.current === null) {
      this.stopParsing = true;
      this.parser?.pause();
    }
    // The last queued response says Connection: close (if its head has not left yet).
    const last = this.queue[this.queue.length - 1];
    if (last) {
      last.close = true;
      this.pendingReason ??= 'server-close';
    }
    return true;
  }

  /** Grace period over: destroy the socket; returns how many requests lose their response. */
  forceClose(): number {
    if (this.state === 'closed') return 0;
    const cut = this.state === 'closing' ? 0 : this.queue.length + (this.current !== null && !this.queue.includes(this.current) ? 1 : 0);
    this.closeReason ??= 'forced';
    this.io.destroy();
    return cut;
  }

  /**
   * Graceful close: send FIN after everything written (half-close), keep
   * reading and discarding until the peer closes or the linger expires, so the
   * kernel has no unread data that would turn our close into an RST.
   */
  beginClose(reason: CloseReason): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.closeReason ??= reason;
    this.state = 'closing';
    this.stopParsing = true;
    this.releaseParser(); // nothing is parsed any more: a Connection: close costs no new parser per connection
    this.host.idleList.remove(this);
    this.host.headerList.remove(this);
    this.host.bodyList.remove(this);
    this.io.end(); // the FIN follows every byte, held ones included
    this.io.resume(); // read and discard until the peer's FIN
    if (this.io.inputEnded) {
      this.io.destroySoon();
      return;
    }
    this.host.lingerList.add(this);
  }

  /** @internal socket 'end' */
  onEnd(): void {
    // The client half-closed (FIN). allowHalfOpen lets us still answer what it sent.
    if (this.state === 'closing') {
      this.io.destroySoon();
      return;
    }
    this.stopParsing = true;
    this.host.bodyList.remove(this);
    const cur = this.current;
    this.current = null;
    if (cur?.req.stream)
      cur.req.stream.destroy(
        new HttpBodyError('HTTP_BODY_INCOMPLETE', 400, `connection ${this.id}: client closed before the request body was complete`),
      );
    else if (cur) this.queue.splice(this.queue.indexOf(cur), 1); // incomplete request, its handler never ran
    const last = this.queue[this.queue.length - 1];
    if (last) {
      // Answer what was asked, then close.
      last.close = true;
      this.pendingReason ??= 'client-close';
      this.flush();
      return;
    }
    this.beginClose('client-close');
  }

  /** @internal socket 'finish' after beginClose(): our FIN is out */
  onFinish(): void {
    if (this.state === 'closing') this.host.connectionEnded(this);
  }

  /** @internal socket 'error' */
  onSocketError(): void {
    this.closeReason ??= 'error';
  }

  /** @internal the socket is about to close: keep its peer's address for the close events */
  onClosing(): void {
    if (this.peerAddress === null && this.host.observesClose()) this.loadPeer();
  }

  /** @internal socket 'close' */
  onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason ??= this.pendingReason ?? 'client-close';
    this.host.idleList.remove(this);
    this.host.headerList.remove(this);
    this.host.bodyList.remove(this);
    this.host.lingerList.remove(this);
    const cur = this.current;
    if (cur?.req.stream && !cur.req.stream.readableEnded)
      cur.req.stream.destroy(
        new HttpBodyError('HTTP_BODY_INCOMPLETE', 400, `connection ${this.id} closed before the request body was complete`),
      );
    this.queue.length = 0;
    this.host.connectionClosed(this);
  }
}

// Stand-in request for error responses that belong to no parsed request.
const ERROR_HEAD: MessageHead = {
  type: 'request',
  method: 'GET',
  target: '',
  status: 0,
  reason: '',
  versionMajor: 1,
  versionMinor: 1,
  rawHeaders: [],
  framing: 'none',
  contentLength: 0,
  transferCodings: [],
  connection: [],
  keepAlive: false,
  upgrade: false,
  expectContinue: false,
  warnings: [],
};
