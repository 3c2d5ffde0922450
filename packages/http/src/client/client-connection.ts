// One client connection: a socket, a response parser, and the FIFO of
// requests written on it and not yet answered (HTTP/1.1 responses carry no
// sequence number, so the i-th response belongs to the i-th request, RFC 9112 §9.3.2).
import net from 'node:net';
import { HttpClientError } from './client-errors.js';
import { isIdempotent, parseKeepAlive } from './client-keep-alive.js';
import type { Origin, PreparedRequest } from './client-request.js';
import type { AttemptMarks } from './client-timing.js';
import type { BodyFraming, MessageHead } from '../parser/parser.js';
import { HttpParser } from '../parser/parser.js';
import { HttpParseError } from '../shared/errors.js';
import { getHeader } from '../shared/headers.js';
import type { ParserLimits } from '../shared/limits.js';

/** A complete response as the connection hands it up. */
export interface RawResponse {
  head: MessageHead;
  body: Buffer;
  trailers: string[];
  /** Would the connection carry another request after this one? */
  keepAlive: boolean;
}

/** What the owner (the pool) learns about an exchange on this connection. */
export interface ExchangeSink {
  readonly request: PreparedRequest;
  readonly responseTimeoutMs: number;
  marks: AttemptMarks;
  /** 1-based position of this request on its connection. */
  indexOnConnection: number;
  /** Responses the connection had completed when this request was written. */
  servedBefore: number;
  /** Requests still unanswered on the connection when this one was written. */
  inFlightBefore: number;
  onResponse(response: RawResponse, connection: ClientConnection): void;
  /**
   * The connection failed before this exchange completed. `receivedBytes`
   * tells whether any byte of its response had arrived (then it must not be retried).
   */
  onFailure(error: HttpClientError, connection: ClientConnection, receivedBytes: boolean): void;
}

/** Why a connection ended. */
export type CloseReason =
  | 'server-closed'
  | 'reset'
  | 'connect-failed'
  | 'idle-timeout'
  | 'keep-alive-hint'
  | 'not-persistent'
  | 'max-reached'
  | 'bad-response'
  | 'extra-bytes'
  | 'response-timeout'
  | 'client-closed'
  | 'evicted';

export interface ConnectionEvents {
  /** Nothing is in flight any more and the connection may carry another request. */
  onIdle(connection: ClientConnection): void;
  /** The connection was closed on purpose and takes no more requests. */
  onClosing(connection: ClientConnection): void;
  /** The socket is gone; every exchange has already been told. */
  onClosed(connection: ClientConnection, reason: CloseReason): void;
}

export interface ConnectionOptions {
  limits: Partial<ParserLimits>;
  /** Idle lifetime when the server sends no usable hint (ms). */
  idleTimeoutMs: number;
  /** Honour `Keep-Alive: timeout=`: drop an idle connection `keepAliveMarginMs` before it. */
  honorKeepAliveHint: boolean;
  keepAliveMarginMs: number;
  /** Never keep an idle connection longer than this, whatever the hint says. */
  maxIdleMs: number;
}

let nextConnectionId = 1;

/**
 * A single persistent connection. It writes requests in order, matches
 * responses in order, knows whether it is persistent, how long it may stay
 * idle, and how many requests the server still takes.
 */
export class ClientConnection {
  readonly id = nextConnectionId++;
  readonly origin: Origin;
  readonly socket: net.Socket;
  /** Exchanges written (or waiting for the connect to finish), oldest first. */
  readonly inFlight: ExchangeSink[] = [];
  /** Responses completed on this connection. */
  served = 0;
  /** Requests written on this connection. */
  sent = 0;
  /** A response has said the connection stays open: only now may requests be pipelined. */
  knownPersistent = false;
  /** No more requests may be written (Connection: close, max reached, error). */
  closing = false;
  /** Requests the server still takes, from `Keep-Alive: max=` (undefined: no hint). */
  remaining: number | undefined;
  connected = false;
  closed = false;
  /** When the connection last became idle, and when it must be dropped. */
  idleSince = 0;
  idleDeadline = Infinity;
  /** The Keep-Alive hint of the last response, for lessons. */
  lastHint: { timeoutSeconds?: number; max?: number } = {};
  closeReason: CloseReason | undefined;
  /** How long this connection may stay idle after its last response (ms). */
  idleLife = 0;
  /** A response said the connection ends after it (Connection: close, HTTP/1.0 without keep-alive, close-delimited). */
  announcedClose = false;

  private readonly parser: HttpParser;
  private readonly options: ConnectionOptions;
  private readonly events: ConnectionEvents;
  private idleTimer: NodeJS.Timeout | undefined;
  private responseTimer: NodeJS.Timeout | undefined;
  private head: MessageHead | undefined;
  private bodyParts: Buffer[] = [];
  /** Bytes of the current response have arrived. */
  private receiving = false;
  private dataAt = 0;
  private completed: { sink: ExchangeSink; response: RawResponse }[] = [];
  private socketCode: string | undefined;

  constructor(origin: Origin, options: ConnectionOptions, events: ConnectionEvents) {
    this.origin = origin;
    this.options = options;
    this.events = events;
    this.parser = new HttpParser(
      { type: 'response', ...options.limits },
      {
        onHead: (head) => this.onHead(head),
        onBody: (chunk) => {
          if (this.head) this.bodyParts.push(Buffer.from(chunk));
        },
        onComplete: (trailers) => this.onComplete(trailers),
      },
    );
    const connectStart = performance.now();
    this.socket = net.connect({ host: origin.host, port: origin.port, noDelay: true });
    this.socket.once('connect', () => {
      this.connected = true;
      const now = performance.now();
      for (const sink of this.inFlight) {
        sink.marks.connectStart = connectStart;
        sink.marks.connectEnd = now;
      }
      for (const sink of this.inFlight) this.write(sink);
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      this.socketCode ??= error.code ?? error.message;
    });
    this.socket.on('close', () => this.onSocketClose());
  }

  /** Requests written and not answered. */
  get pending(): number {
    return this.inFlight.length;
  }

  /** True when a request with no others in flight may go here now. */
  get idle(): boolean {
    return !this.closed && !this.closing && this.inFlight.length === 0;
  }

  /** Can this connection take one more request now, with `depth` allowed in flight? */
  canTake(depth: number, idempotent: boolean): boolean {
    if (this.closed || this.closing) return false;
    if (this.remaining !== undefined && this.remaining <= 0) return false;
    if (this.inFlight.length === 0) return true;
    // Pipelining only on a connection known to persist, only idempotent
    // requests, and never behind a non-idempotent one (RFC 9112 §9.3.2).
    if (!this.knownPersistent || !idempotent || this.inFlight.length >= depth) return false;
    return this.inFlight.every((s) => isIdempotent(s.request.method));
  }

  /** Hand an exchange to this connection; it is written now, or once connected. */
  assign(sink: ExchangeSink): void {
    this.clearIdle();
    sink.indexOnConnection = this.sent + 1;
    sink.servedBefore = this.served;
    sink.inFlightBefore = this.inFlight.length;
    this.sent++;
    if (this.remaining !== undefined) this.remaining--;
    if (sink.request.asksClose) this.closing = true;
    this.inFlight.push(sink);
    this.parser.expectResponseTo(sink.request.method);
    if (this.connected) this.write(sink);
  }

  /** End the connection on purpose (idle expiry, eviction, client close). */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closeReason ??= reason;
    this.closing = true;
    this.events.onClosing(this);
    // Nothing unread is pending on an idle connection, so this sends FIN, not RST.
    this.socket.destroy();
  }

  private write(sink: ExchangeSink): void {
    sink.marks.sendStart = performance.now();
    this.socket.write(sink.request.bytes, (error) => {
      if (!error) sink.marks.sendEnd = performance.now();
    });
    this.armResponseTimer();
  }

  private armResponseTimer(): void {
    clearTimeout(this.responseTimer);
    const first = this.inFlight[0];
    if (!first || !this.connected) return;
    this.responseTimer = setTimeout(() => {
      const error = new HttpClientError(
        'HTTP_CLIENT_TIMEOUT',
        `${first.request.method} ${first.request.path} to ${this.origin.key}: no complete response within ${first.responseTimeoutMs} ms (responseTimeoutMs) on connection #${this.id}`,
      );
      this.fail(error, 'response-timeout', first);
    }, first.responseTimeoutMs);
  }

  private onData(chunk: Buffer): void {
    this.dataAt = performance.now();
    if (this.inFlight.length === 0) {
      // Nothing was asked: a server bug (a body longer than its Content-Length) or garbage.
      this.failExtraBytes(chunk.length, undefined);
      return;
    }
    const first = this.inFlight[0];
    if (first && !this.receiving) {
      this.receiving = true;
      first.marks.firstByte ??= this.dataAt;
    }
    try {
      this.parser.execute(chunk);
    } catch (error) {
      this.failParse(error);
      return;
    }
    this.flushCompleted();
  }

  private onHead(head: MessageHead): void {
    if (head.status >= 100 && head.status < 200) {
      if (head.status === 101) {
        this.head = head; // completes at once; refused in onComplete
      }
      return; // interim responses (100, 103) are skipped: the final one follows
    }
    this.head = head;
    this.bodyParts = [];
  }

  private onComplete(trailers: string[]): void {
    const head = this.head;
    if (!head) return; // the end of an interim 1xx
    this.head = undefined;
    const sink = this.inFlight.shift();
    if (!sink) return;
    clearTimeout(this.responseTimer);
    if (head.status === 101) {
      this.completed.push({ sink, response: { head, body: Buffer.alloc(0), trailers, keepAlive: false } });
      this.closing = true;
      return;
    }
    const now = performance.now();
    sink.marks.firstByte ??= this.dataAt;
    sink.marks.end = now;
    const keepAlive = head.keepAlive && !sink.request.asksClose;
    const response: RawResponse = { head, body: Buffer.concat(this.bodyParts), trailers, keepAlive };
    this.bodyParts = [];
    this.served++;
    this.completed.push({ sink, response });
    if (!keepAlive) {
      // RFC 9112 §9.6: read no further and close; requests pipelined behind this one go unanswered.
      this.closing = true;
      this.announcedClose = true;
      this.parser.pause();
    } else {
      this.knownPersistent = true;
      const hint = parseKeepAlive(getHeader(head.rawHeaders, 'keep-alive'));
      this.lastHint = hint;
      // max= counts the requests the server still takes after this response;
      // those already pipelined behind it count against it.
      if (hint.max !== undefined) this.remaining = hint.max - this.inFlight.length;
      if (this.remaining !== undefined && this.remaining <= 0 && this.inFlight.length === 0) this.closing = true;
      this.setIdleDeadline(hint.timeoutSeconds);
    }
    // The next response starts now, whether its bytes are in this chunk or later.
    const next = this.inFlight[0];
    if (next) {
      next.marks.previousDone = now;
      this.receiving = false;
      this.armResponseTimer();
    } else {
      this.receiving = false;
      // Stop here: bytes after a response nobody asked for are an error, not the next response.
      this.parser.pause();
    }
  }

  private setIdleDeadline(timeoutSeconds: number | undefined): void {
    const o = this.options;
    // The keep-alive race: the server closes an idle connection at T while
    // our next request may already be on the wire. Leave before T by a margin.
    this.idleLife =
      o.honorKeepAliveHint && timeoutSeconds !== undefined
        ? Math.min(timeoutSeconds * 1000 - o.keepAliveMarginMs, o.maxIdleMs)
        : o.idleTimeoutMs;
  }

  /** Deliver what completed during the last read, after checking nothing unasked follows it. */
  private flushCompleted(): void {
    if (this.parser.isPaused) {
      const extra = this.parser.takeRemaining();
      this.parser.resume();
      // After a response that ended the connection, whatever follows is ignored, not an error.
      if (extra.length > 0 && !this.announcedClose) {
        const last = this.completed.pop();
        this.deliver();
        this.failExtraBytes(extra.length, last?.sink);
        return;
      }
    }
    this.deliver();
    if (this.closed) return;
    if (this.announcedClose) {
      this.close('not-persistent');
      return;
    }
    if (this.inFlight.length === 0) {
      if (this.closing) {
        this.close(this.closeReason ?? (this.remaining !== undefined && this.remaining <= 0 ? 'max-reached' : 'not-persistent'));
        return;
      }
      this.startIdle();
    }
  }

  private deliver(): void {
    const done = this.completed;
    this.completed = [];
    for (const { sink, response } of done) {
      if (response.head.status === 101) {
        sink.onFailure(
          new HttpClientError(
            'HTTP_CLIENT_BAD_RESPONSE',
            `${sink.request.method} ${sink.request.path} to ${this.origin.key}: 101 Switching Protocols is not supported by this client`,
          ),
          this,
          true,
        );
      } else {
        sink.onResponse(response, this);
      }
    }
  }

  private startIdle(): void {
    this.idleSince = performance.now();
    const life = this.idleLife;
    if (life <= 0) {
      this.close('keep-alive-hint');
      return;
    }
    this.idleDeadline = this.idleSince + life;
    const hinted = this.options.honorKeepAliveHint && this.lastHint.timeoutSeconds !== undefined;
    this.idleTimer = setTimeout(() => this.close(hinted ? 'keep-alive-hint' : 'idle-timeout'), life);
    this.idleTimer.unref();
    this.events.onIdle(this);
  }

  /** Is this idle connection past its deadline (checked at checkout; timers can lag)? */
  expired(now = performance.now()): boolean {
    return now >= this.idleDeadline;
  }

  private clearIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.idleDeadline = Infinity;
  }

  private onEnd(): void {
    // The server closed its side. A close-delimited body ends here; anything
    // else still in flight got no (complete) answer.
    this.closeReason ??= 'server-closed';
    this.closing = true;
    const head = this.head;
    try {
      this.parser.finish();
    } catch (error) {
      if (error instanceof HttpParseError && head && this.inFlight[0]) {
        const sink = this.inFlight[0];
        const got = this.bodyParts.reduce((n, b) => n + b.length, 0);
        const message =
          head.framing === 'length'
            ? `${sink.request.method} ${sink.request.path} to ${this.origin.key}: connection closed after ${got} of ${head.contentLength} body bytes (Content-Length ${head.contentLength}) on connection #${this.id}`
            : `${sink.request.method} ${sink.request.path} to ${this.origin.key}: connection closed inside a ${describeFraming(head.framing)} body after ${got} bytes on connection #${this.id}`;
        this.fail(new HttpClientError('HTTP_CLIENT_BODY_TOO_SHORT', message, { cause: error }), 'server-closed');
        return;
      }
    }
    this.flushCompleted();
    if (!this.socket.destroyed) this.socket.end();
  }

  private onSocketClose(): void {
    this.closed = true;
    this.closing = true;
    this.clearIdle();
    clearTimeout(this.responseTimer);
    const reason: CloseReason =
      this.closeReason ?? (!this.connected ? 'connect-failed' : this.socketCode === undefined ? 'server-closed' : 'reset');
    this.closeReason = reason;
    const left = this.inFlight.splice(0);
    for (const [i, sink] of left.entries()) {
      sink.onFailure(this.socketError(sink, reason), this, i === 0 && this.receiving);
    }
    this.events.onClosed(this, reason);
  }

  private socketError(sink: ExchangeSink, reason: CloseReason): HttpClientError {
    const what = `${sink.request.method} ${sink.request.path} to ${this.origin.key}`;
    if (reason === 'connect-failed') {
      return new HttpClientError('HTTP_CLIENT_CONNECT', `${what}: cannot connect (${this.socketCode ?? 'closed'})`, {
        socketCode: this.socketCode ?? 'ECONNREFUSED',
      });
    }
    if (reason === 'client-closed') return new HttpClientError('HTTP_CLIENT_CLOSED', `${what}: the client was closed`);
    if (reason === 'not-persistent') {
      return new HttpClientError(
        'HTTP_CLIENT_SOCKET',
        `${what}: connection #${this.id} ended with the response before it (Connection: close or no keep-alive), so request ${sink.indexOnConnection} on it was not answered`,
        { socketCode: 'closed by the server' },
      );
    }
    const how = this.socketCode ?? 'closed by the server';
    return new HttpClientError(
      'HTTP_CLIENT_SOCKET',
      `${what}: connection #${this.id} ${this.socketCode ? `failed (${this.socketCode})` : 'was closed by the server'} before the response (request ${sink.indexOnConnection} on it, ${sink.servedBefore} answered before it was sent)`,
      { socketCode: how },
    );
  }

  /** Fail the connection: `first` (or the head of the queue) gets `error`, the rest a socket error. */
  private fail(error: HttpClientError, reason: CloseReason, first = this.inFlight[0]): void {
    if (this.closed) return;
    this.closeReason ??= reason;
    this.closing = true;
    const index = first ? this.inFlight.indexOf(first) : -1;
    if (first && index >= 0) {
      this.inFlight.splice(index, 1);
      first.onFailure(error, this, true);
    }
    this.socket.destroy();
  }

  private failParse(error: unknown): void {
    const sink = this.inFlight[0];
    const what = sink ? `${sink.request.method} ${sink.request.path} to ${this.origin.key}` : this.origin.key;
    const detail = error instanceof Error ? error.message : String(error);
    this.fail(
      new HttpClientError('HTTP_CLIENT_BAD_RESPONSE', `${what}: invalid response on connection #${this.id}: ${detail}`, { cause: error }),
      'bad-response',
    );
  }

  private failExtraBytes(count: number, sink: ExchangeSink | undefined): void {
    const error = new HttpClientError(
      'HTTP_CLIENT_EXTRA_BYTES',
      sink
        ? `${sink.request.method} ${sink.request.path} to ${this.origin.key}: ${count} bytes followed the response body on connection #${this.id}; its Content-Length or framing is wrong, so the connection is not reused`
        : `${this.origin.key}: ${count} bytes arrived on idle connection #${this.id} with no request outstanding (a wrong Content-Length?); connection dropped`,
    );
    this.closeReason ??= 'extra-bytes';
    this.closing = true;
    if (sink) sink.onFailure(error, this, true);
    this.socket.destroy();
  }
}

function describeFraming(framing: BodyFraming): string {
  return framing === 'chunked' ? 'chunked' : framing === 'length' ? 'Content-Length' : framing;
}
