// Incremental HTTP/1.1 message parser (RFC 9112) for requests and responses.
//
// The parser works on whole syntactic elements: a start-line, a field line, a
// chunk-size line, the CRLF after chunk data. An element is parsed only once
// all of its bytes are there, and a limit is a byte position, so the result
// (messages, or the error with its code and offset) does not depend on how the
// input was split. Incomplete elements are kept in a growable buffer; body
// bytes are handed out as views of the input without copying.
import { HttpParseError } from '../shared/errors.js';
import type { HttpParseErrorCode } from '../shared/errors.js';
import { resolveLimits } from '../shared/limits.js';
import { contentLength, transferCodings } from './body-length.js';
import type { ParserLimits } from '../shared/limits.js';
import {
  ABSOLUTE_CHAR,
  COLON,
  CR,
  FIELD_CHAR,
  HEX,
  HEX_VALUE,
  IP_LITERAL_CHAR,
  LF,
  ORIGIN_CHAR,
  QDTEXT,
  QUOTED_PAIR_CHAR,
  REASON_CHAR,
  REG_NAME_CHAR,
  SCHEME_CHAR,
  SP,
  TCHAR,
  isWhitespace,
  splitList,
} from '../shared/tokens.js';

/** How the body of a message is delimited (RFC 9112 §6.3). */
export type BodyFraming =
  /** No body: Content-Length 0 or absent on a request; HEAD/1xx/204/304 responses. */
  | 'none'
  /** Content-Length bytes. */
  | 'length'
  /** Chunked transfer coding, decoded by the parser. */
  | 'chunked'
  /** Response read until the connection closes. */
  | 'close'
  /** 101 or a 2xx answer to CONNECT: the bytes after the head are another protocol. */
  | 'upgrade';

/** The start-line and header section of a request or response. */
export interface MessageHead {
  type: 'request' | 'response';
  /** Request method; for a response, the method of the request it answers. */
  method: string;
  /** Request-target exactly as received; '' for responses. */
  target: string;
  /** Response status code; 0 for requests. */
  status: number;
  /** Response reason-phrase; '' for requests. */
  reason: string;
  versionMajor: number;
  versionMinor: number;
  /** Field lines in order as a flat list `[name, value, name, value, ...]`; names as sent, values without surrounding whitespace. */
  rawHeaders: string[];
  framing: BodyFraming;
  /** Body length for framing 'length', 0 for 'none', -1 otherwise. */
  contentLength: number;
  /** Transfer codings as listed, lower-cased (['gzip', 'chunked']); empty without Transfer-Encoding. */
  transferCodings: string[];
  /** Lower-cased tokens of the Connection field(s) (RFC 9110 §7.6.1). */
  connection: string[];
  /**
   * Whether the connection may carry another message after this one (RFC 9112 §9.3):
   * HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`;
   * never after a close-delimited response or a response with both Content-Length and Transfer-Encoding.
   */
  keepAlive: boolean;
  /** Request: Connection lists "upgrade" and an Upgrade field is present. Response: 101 or 2xx to CONNECT. */
  upgrade: boolean;
  /** Request carries `Expect: 100-continue` (RFC 9110 §10.1.1). */
  expectContinue: boolean;
  /** Things a response broke that the parser tolerated as RFC 9112 allows (obs-fold, close-delimited TE, ...). */
  warnings: string[];
}

/** Callbacks of {@link HttpParser}. Any of them may call `parser.pause()`. */
export interface ParserHandlers {
  /** The head of a message is complete. */
  onHead?(head: MessageHead): void;
  /** Body bytes (de-chunked). The Buffer is a view of the input: copy it to keep it past the next execute(). */
  onBody?(chunk: Buffer): void;
  /** A chunk-size line with its extensions as received (e.g. `;name=value`). */
  onChunkHeader?(size: number, extensions: string): void;
  /** The message is complete; `trailers` is a flat `[name, value, ...]` list (empty unless chunked). */
  onComplete?(trailers: string[]): void;
}

export interface ParserOptions extends Partial<ParserLimits> {
  /** 'request' for a server, 'response' for a client or the upstream side of a proxy. */
  type: 'request' | 'response';
}

// Parser states.
const S_START = 0; // skipping empty lines before a start-line
const S_START_LINE = 1;
const S_HEADERS = 2;
const S_BODY_LENGTH = 3;
const S_CHUNK_SIZE = 4;
const S_CHUNK_DATA = 5;
const S_CHUNK_DATA_CRLF = 6;
const S_TRAILERS = 7;
const S_BODY_CLOSE = 8;
const S_UPGRADED = 9;
const S_ERROR = 10;

const EMPTY = Buffer.alloc(0);
// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a
// request-line. A few are skipped (a client's stray CRLF after a body); more are
// not a request at all, and without a cap they would be read until a timeout.
export const MAX_EMPTY_LINES = 4;
// RFC 9110 §6.5.1: fields that must not come from a trailer section (framing,
// routing, authentication, request modifiers, response controls, content
// format). They are dropped; the rest stay in the trailers, apart from the header section.
const PROHIBITED_TRAILERS = new Set([
  'content-length',
  'transfer-encoding',
  'trailer',
  'te',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'proxy-connection',
  'max-forwards',
  'authorization',
  'proxy-authorization',
  'www-authenticate',
  'proxy-authenticate',
  'cookie',
  'set-cookie',
  'expect',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'cache-control',
  'age',
  'expires',
  'date',
  'location',
  'retry-after',
  'vary',
  'pragma',
  'content-type',
  'content-encoding',
  'content-range',
  'content-language',
  'content-location',
]);
// Shared empty lists; never pushed to (a new list is made for every section).
const NO_TRAILERS = Object.freeze([]) as unknown as string[];
const NO_SPECIAL = Object.freeze([]) as unknown as number[]; // shared, never pushed to
// Shared by every head without warnings, Connection tokens or transfer codings (most of them).
const NO_LIST: string[] = Object.freeze([]) as unknown as string[];

// Requests fail instead of warning, so their transfer-coding check never calls this.
const NO_WARN = (): void => {};

function warn(head: MessageHead, message: string): void {
  if (head.warnings === NO_LIST) head.warnings = [];
  head.warnings.push(message);
}
// 2^53: above this a chunk-size or Content-Length cannot be counted exactly.
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Incremental, strict HTTP/1.1 parser for requests (`type: 'request'`) or
 * responses (`type: 'response'`). Feed bytes with {@link HttpParser.execute}
 * in any split; it calls the handlers and throws {@link HttpParseError} on the
 * first violation. After an error the parser is dead and rethrows it.
 *
 * @example
 * ```ts
 * const parser = new HttpParser({ type: 'request' }, {
 *   onHead: (head) => console.log(head.method, head.target),
 *   onBody: (chunk) => console.log('body', chunk.length),
 *   onComplete: () => console.log('done'),
 * });
 * parser.execute(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
 * ```
 */
export class HttpParser {
  readonly type: 'request' | 'response';
  readonly limits: ParserLimits;
  private h: ParserHandlers;
  private state = S_START;
  private emptyLines = 0; // empty lines skipped before the current start-line
  private paused = false;
  private error: HttpParseError | null = null;
  // Bytes kept between execute() calls: store[storeStart, storeEnd).
  private store: Buffer = EMPTY;
  private storeStart = 0;
  private storeEnd = 0;
  // Bytes of the current element already searched for LF (avoids rescans).
  private scanned = 0;
  // Request mode: bytes of the current request-line already checked as method.
  private methodChecked = 0;
  private methodDone = false;
  // Absolute offset of buf[0] of the buffer being processed, and of the next byte.
  private bufBase = 0;
  private absPos = 0;
  // Current message.
  private head: MessageHead | null = null;
  private sectionStart = 0; // absolute offset where the header or trailer section began
  private fieldCount = 0;
  private fields: string[] = NO_TRAILERS;
  // Framing-relevant fields of the current head: flat [kind, index into fields, offset].
  private special: number[] = NO_SPECIAL;
  private hostCount = 0;
  private lastHost = '';
  private remaining = 0;
  private bodyBytes = 0;
  private methodQueue: string[] | null = null;

  /**
   * @param shared limits already checked by resolveLimits, shared by many
   *   parsers (a server's connections) instead of one copy each.
   */
  constructor(options: ParserOptions, handlers: ParserHandlers = {}, shared?: ParserLimits) {
    this.type = options.type;
    if (shared) {
      this.limits = shared;
    } else {
      const { type: _type, ...limits } = options;
      this.limits = resolveLimits(limits);
    }
    this.h = handlers;
  }

  /** Bytes consumed so far (the offset the next byte will have). */
  get offset(): number {
    return this.absPos;
  }

  /** True between messages with nothing buffered: a clean place for the stream to end. */
  get idle(): boolean {
    return this.state === S_START && this.storeEnd === this.storeStart;
  }

  /** True once a message has started but its head is not complete yet. */
  get readingHead(): boolean {
    return (this.state === S_START && this.storeEnd > this.storeStart) || this.state === S_START_LINE || this.state === S_HEADERS;
  }

  /** True while paused. */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Response mode: the method of the next request whose response will be
   * parsed (queued, so a pipelining client pushes one per request sent).
   * Needed because a response to HEAD has no body (RFC 9112 §6.3 (1)).
   */
  expectResponseTo(method: string): void {
    (this.methodQueue ??= []).push(method);
  }

  /**
   * Hand an idle parser (see {@link idle}, not paused, no error) to another
   * input stream: a server keeps a few spare ones instead of one per idle
   * connection. `offset` is where that stream's count of bytes stands.
   */
  rebind(handlers: ParserHandlers, offset: number): void {
    this.h = handlers;
    this.absPos = offset;
    this.emptyLines = 0;
  }

  /** Stop after the current callback returns; later input is kept until {@link resume}. */
  pause(): void {
    this.paused = true;
  }

  /** Continue with the kept input (callbacks run synchronously inside this call). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.execute(EMPTY);
  }

  /**
   * Hand over the bytes not parsed yet (after a pause, or after a response
   * switched protocols). Response mode after an upgrade: everything after the head.
   */
  takeRemaining(): Buffer {
    const rest = this.store.subarray(this.storeStart, this.storeEnd);
    this.absPos += rest.length;
    this.store = EMPTY;
    this.storeStart = this.storeEnd = 0;
    this.scanned = 0;
    return rest;
  }

  /**
   * Parse the first `length` bytes of `chunk` (all of it by default). What the
   * parser keeps between calls it copies; `onBody` views point into `chunk`.
   * Throws {@link HttpParseError} on invalid input.
   */
  execute(chunk: Buffer, length = chunk.length): void {
    if (this.error) throw this.error;
    if (this.paused || this.state === S_UPGRADED) {
      if (length > 0) this.append(chunk, length);
      return;
    }
    try {
      if (this.storeEnd === this.storeStart) {
        if (length === 0) return;
        this.bufBase = this.absPos;
        const pos = this.run(chunk, 0, length);
        this.absPos = this.bufBase + pos;
        if (pos < length) this.keep(chunk, pos, length);
      } else {
        if (length > 0) this.append(chunk, length);
        const store = this.store;
        this.bufBase = this.absPos - this.storeStart;
        const pos = this.run(store, this.storeStart, this.storeEnd);
        this.absPos = this.bufBase + pos;
        // The store may have been replaced by a callback (takeRemaining); only trim ours.
        if (store === this.store) {
          if (pos >= this.storeEnd) {
            this.store = EMPTY; // never reuse: onBody views may point into it
            this.storeStart = this.storeEnd = 0;
          } else {
            this.storeStart = pos;
          }
        }
      }
    } catch (error) {
      if (error instanceof HttpParseError) {
        this.state = S_ERROR;
        this.error = error;
      }
      throw error;
    }
  }

  /**
   * The input ended (the peer closed). Completes a close-delimited response;
   * throws HTTP_PARSE_INCOMPLETE if a message was cut short.
   */
  finish(): void {
    if (this.error) throw this.error;
    if (this.state === S_BODY_CLOSE) {
      this.state = S_START;
      this.h.onComplete?.(NO_TRAILERS);
      return;
    }
    if (this.state === S_UPGRADED) return;
    if (this.state === S_START && this.storeEnd === this.storeStart) return;
    const at = this.absPos + (this.storeEnd - this.storeStart);
    this.error = new HttpParseError('HTTP_PARSE_INCOMPLETE', `${this.type} ended before the message was complete`, at);
    this.state = S_ERROR;
    throw this.error;
  }

  // --- buffering -----------------------------------------------------------

  private keep(buf: Buffer, from: number, to: number): void {
    const n = to - from;
    this.store = Buffer.allocUnsafe(Math.max(n * 2, 256));
    buf.copy(this.store, 0, from, to);
    this.storeStart = 0;
    this.storeEnd = n;
  }

  private append(chunk: Buffer, length: number): void {
    if (this.storeEnd === this.storeStart) {
      this.keep(chunk, 0, length);
      return;
    }
    const have = this.storeEnd - this.storeStart;
    if (this.storeEnd + length > this.store.length) {
      const next = Buffer.allocUnsafe(Math.max((have + length) * 2, 256));
      this.store.copy(next, 0, this.storeStart, this.storeEnd);
      this.store = next;
      this.storeStart = 0;
      this.storeEnd = have;
    }
    chunk.copy(this.store, this.storeEnd, 0, length);
    this.storeEnd += length;
  }

  private readonly failAt = (code: HttpParseErrorCode, message: string, at: number): never => this.failAbs(code, message, at);

  private fail(code: HttpParseErrorCode, message: string, at: number): never {
    throw new HttpParseError(code, message, this.bufBase + at);
  }

  private failAbs(code: HttpParseErrorCode, message: string, abs: number): never {
    throw new HttpParseError(code, message, abs);
  }

  /** Index of the LF ending the element that starts at `pos`, or -1; remembers how far it looked. */
  private findLF(buf: Buffer, pos: number, end: number): number {
    const from = pos + this.scanned;
    if (from >= end) return -1;
    // Lines are short: a plain loop beats a call into C++; long ones go to indexOf.
    const near = Math.min(end, from + 128);
    let lf = from;
    while (lf < near && buf[lf] !== LF) lf++;
    if (lf === near) lf = near < end ? buf.indexOf(LF, near) : -1;
    if (lf === -1 || lf >= end) {
      this.scanned = end - pos;
      return -1;
    }
    this.scanned = 0;
    return lf;
  }

  // --- the state machine ---------------------------------------------------

  private run(buf: Buffer, pos: number, end: number): number {
    while (pos < end && !this.paused) {
      switch (this.state) {
        case S_START: {
          const b = buf[pos]!;
          if (b === CR) {
            if (pos + 1 >= end) return pos;
            if (buf[pos + 1] !== LF) this.fail('HTTP_PARSE_INVALID_LINE_ENDING', 'CR not followed by LF before the start-line', pos);
            // RFC 9112 §2.2: ignore empty lines before a request-line, a few of them.
            if (++this.emptyLines > MAX_EMPTY_LINES)
              this.fail('HTTP_PARSE_TOO_MANY_EMPTY_LINES', `more than ${MAX_EMPTY_LINES} empty lines before the start-line`, pos);
            pos += 2;
            continue;
          }
          if (b === LF) this.fail('HTTP_PARSE_INVALID_LINE_ENDING', 'bare LF before the start-line', pos);
          this.emptyLines = 0;
          this.state = S_START_LINE;
          this.scanned = 0;
          this.methodChecked = 0;
          this.methodDone = false;
          continue;
        }
        case S_START_LINE: {
          const next = this.startLine(buf, pos, end);
          if (next < 0) return pos;
          pos = next;
          continue;
        }
        case S_HEADERS:
        case S_TRAILERS: {
          const next = this.fieldLine(buf, pos, end);
          if (next < 0) return pos;
          pos = next;
          continue;
        }
        case S_BODY_LENGTH: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          this.h.onBody?.(buf.subarray(pos, pos + n));
          pos += n;
          if (this.remaining === 0) this.complete(NO_TRAILERS);
          continue;
        }
        case S_CHUNK_SIZE: {
          const next = this.chunkSizeLine(buf, pos, end);
          if (next < 0) return pos;
          pos = next;
          continue;
        }
        case S_CHUNK_DATA: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          this.h.onBody?.(buf.subarray(pos, pos + n));
          pos += n;
          if (this.remaining === 0) this.state = S_CHUNK_DATA_CRLF;
          continue;
        }
        case S_CHUNK_DATA_CRLF: {
          if (buf[pos] !== CR) this.fail('HTTP_PARSE_INVALID_CHUNK_DATA', 'chunk data not followed by CRLF', pos);
          if (pos + 1 >= end) return pos;
          if (buf[pos + 1] !== LF) this.fail('HTTP_PARSE_INVALID_CHUNK_DATA', 'chunk data not followed by CRLF', pos + 1);
          pos += 2;
          this.state = S_CHUNK_SIZE;
          continue;
        }
        case S_BODY_CLOSE: {
          const n = end - pos;
          this.bodyBytes += n;
          if (this.bodyBytes > this.limits.maxBodySize) {
            this.fail(
              'HTTP_PARSE_BODY_TOO_LARGE',
              `body exceeds maxBodySize ${this.limits.maxBodySize}`,
              pos + n - (this.bodyBytes - this.limits.maxBodySize),
            );
          }
          this.h.onBody?.(buf.subarray(pos, end));
          pos = end;
          continue;
        }
        default:
          // S_UPGRADED (or S_ERROR): leave the rest to the caller.
          return pos;
      }
    }
    return pos;
  }

  // --- start-line ----------------------------------------------------------

  /** Returns the position after the start-line, or -1 when more bytes are needed. */
  private startLine(buf: Buffer, pos: number, end: number): number {
    const max = this.limits.maxRequestLineSize;
    if (this.type === 'request' && !this.methodDone) {
      // Reject a bad method byte as soon as it arrives (a TLS hello, garbage)
      // rather than waiting for a line end that may never come. The full parse
      // below reports the same first error, so splits still do not matter.
      const stop = Math.min(end, pos + max);
      let i = pos + this.methodChecked;
      for (; i < stop; i++) {
        const b = buf[i]!;
        if (TCHAR[b] === 1) continue;
        if (b === SP && i > pos) {
          this.methodDone = true;
          break;
        }
        this.fail(
          'HTTP_PARSE_INVALID_METHOD',
          i === pos ? 'request-line does not start with a method token' : `invalid byte 0x${b.toString(16)} in method`,
          i,
        );
      }
      this.methodChecked = i - pos;
    }
    const lf = this.findLF(buf, pos, end);
    if (lf === -1) {
      if (end + 1 - pos > max) this.tooLongLine(pos, max);
      return -1;
    }
    if (lf + 1 - pos > max) this.tooLongLine(pos, max);
    if (lf === pos || buf[lf - 1] !== CR) this.fail('HTTP_PARSE_INVALID_LINE_ENDING', 'start-line ends with a bare LF', lf);
    const lineEnd = lf - 1;
    if (this.type === 'request') this.requestLine(buf, pos, lineEnd);
    else this.statusLine(buf, pos, lineEnd);
    this.state = S_HEADERS;
    this.sectionStart = this.bufBase + lf + 1;
    this.fieldCount = 0;
    this.fields = [];
    this.special = NO_SPECIAL; // most requests have no field headComplete must look at: allocated on the first
    this.hostCount = 0;
    return lf + 1;
  }

  private tooLongLine(pos: number, max: number): never {
    if (this.type === 'request')
      this.fail('HTTP_PARSE_REQUEST_LINE_TOO_LONG', `request-line longer than maxRequestLineSize ${max}`, pos + max);
    this.fail('HTTP_PARSE_INVALID_STATUS_LINE', `status-line longer than maxRequestLineSize ${max}`, pos + max);
  }

  private newHead(type: 'request' | 'response'): MessageHead {
    return {
      type,
      method: '',
      target: '',
      status: 0,
      reason: '',
      versionMajor: 1,
      versionMinor: 1,
      rawHeaders: NO_TRAILERS,
      framing: 'none',
      contentLength: 0,
      transferCodings: NO_LIST,
      connection: NO_LIST,
      keepAlive: true,
      upgrade: false,
      expectContinue: false,
      warnings: NO_LIST,
    };
  }

  /** request-line = method SP request-target SP HTTP-version (RFC 9112 §3). */
  private requestLine(buf: Buffer, s: number, e: number): void {
    let i = s;
    while (i < e && TCHAR[buf[i]!] === 1) i++;
    // The method check above guarantees i > s and buf[i] is SP unless the line ended.
    if (i === e) this.fail('HTTP_PARSE_INVALID_REQUEST_LINE', 'request-line has no request-target', i);
    const method = knownMethod(buf, s, i) ?? buf.latin1Slice(s, i);
    const ts = i + 1;
    let te = ts;
    while (te < e && buf[te] !== SP) te++;
    if (te === ts) this.fail('HTTP_PARSE_INVALID_REQUEST_LINE', 'more than one SP after the method, or an empty request-target', ts);
    this.checkTarget(buf, ts, te, method);
    if (te === e) this.fail('HTTP_PARSE_INVALID_REQUEST_LINE', 'request-line has no HTTP-version (HTTP/0.9 is not supported)', te);
    const vs = te + 1;
    const head = this.newHead('request');
    this.version(buf, vs, e, head);
    head.method = method;
    head.target = te - ts === 1 && buf[ts] === 0x2f ? '/' : buf.latin1Slice(ts, te);
    this.head = head;
  }

  /** HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3). */
  private version(buf: Buffer, vs: number, e: number, head: MessageHead): void {
    if (
      e - vs !== 8 ||
      buf[vs] !== 0x48 ||
      buf[vs + 1] !== 0x54 ||
      buf[vs + 2] !== 0x54 ||
      buf[vs + 3] !== 0x50 ||
      buf[vs + 4] !== 0x2f ||
      !isDigit(buf[vs + 5]!) ||
      buf[vs + 6] !== 0x2e ||
      !isDigit(buf[vs + 7]!)
    ) {
      this.fail('HTTP_PARSE_INVALID_VERSION', `invalid HTTP-version "${printable(buf, vs, e)}"`, vs);
    }
    const major = buf[vs + 5]! - 0x30;
    if (major !== 1) this.fail('HTTP_PARSE_UNSUPPORTED_VERSION', `HTTP major version ${major} is not supported`, vs + 5);
    head.versionMajor = major;
    head.versionMinor = buf[vs + 7]! - 0x30;
  }

  /** status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). */
  private statusLine(buf: Buffer, s: number, e: number): void {
    const head = this.newHead('response');
    let sp = s;
    while (sp < e && buf[sp] !== SP) sp++;
    this.version(buf, s, sp, head);
    if (sp === e) this.fail('HTTP_PARSE_INVALID_STATUS_LINE', 'status-line has no status-code', sp);
    const cs = sp + 1;
    if (e - cs < 3 || !isDigit(buf[cs]!) || !isDigit(buf[cs + 1]!) || !isDigit(buf[cs + 2]!)) {
      this.fail('HTTP_PARSE_INVALID_STATUS_LINE', 'status-code is not three digits', cs);
    }
    const status = (buf[cs]! - 0x30) * 100 + (buf[cs + 1]! - 0x30) * 10 + (buf[cs + 2]! - 0x30);
    // RFC 9110 §15: values outside 100..599 are invalid.
    if (status < 100 || status > 599) this.fail('HTTP_PARSE_INVALID_STATUS_LINE', `status-code ${status} outside 100-599`, cs);
    const after = cs + 3;
    if (after === e) {
      warn(head, 'status-line without the SP before the reason-phrase');
    } else {
      if (buf[after] !== SP) this.fail('HTTP_PARSE_INVALID_STATUS_LINE', 'status-code not followed by SP', after);
      for (let i = after + 1; i < e; i++) {
        if (REASON_CHAR[buf[i]!] !== 1)
          this.fail('HTTP_PARSE_INVALID_STATUS_LINE', `invalid byte 0x${buf[i]!.toString(16)} in reason-phrase`, i);
      }
      head.reason = buf.latin1Slice(after + 1, e);
    }
    head.status = status;
    this.head = head;
  }

  /** request-target forms of RFC 9112 §3.2, chosen by method. */
  private checkTarget(buf: Buffer, s: number, e: number, method: string): void {
    const first = buf[s]!;
    if (method === 'CONNECT') {
      // authority-form = uri-host ":" port, the only form CONNECT uses (§3.2.3).
      const colon = this.checkHost(buf, s, e, 'HTTP_PARSE_INVALID_TARGET');
      if (colon === -1 || colon + 1 === e) this.fail('HTTP_PARSE_INVALID_TARGET', 'CONNECT target must be host:port', e);
      return;
    }
    if (first === 0x2f) {
      // origin-form = absolute-path [ "?" query ] (§3.2.1)
      this.checkUriChars(buf, s, e, ORIGIN_CHAR);
      return;
    }
    if (first === 0x2a && e - s === 1) {
      // asterisk-form, OPTIONS only (§3.2.4)
      if (method !== 'OPTIONS') this.fail('HTTP_PARSE_INVALID_TARGET', `"*" target is only for OPTIONS, not ${method}`, s);
      return;
    }
    // absolute-form = absolute-URI (§3.2.2): scheme ":" hier-part [ "?" query ]
    let i = s;
    if (!isAlpha(first)) this.fail('HTTP_PARSE_INVALID_TARGET', 'request-target is not origin-, absolute-, authority- or asterisk-form', s);
    while (i < e && SCHEME_CHAR[buf[i]!] === 1) i++;
    if (i === e || buf[i] !== COLON) this.fail('HTTP_PARSE_INVALID_TARGET', 'absolute-form target without a scheme', i);
    this.checkUriChars(buf, i + 1, e, ABSOLUTE_CHAR);
    const scheme = buf.latin1Slice(s, i).toLowerCase();
    if (scheme === 'http' || scheme === 'https') {
      // RFC 9110 §4.2.1: an http(s) URI with an empty host is invalid.
      const as = i + 1;
      if (e - as < 3 || buf[as] !== 0x2f || buf[as + 1] !== 0x2f)
        this.fail('HTTP_PARSE_INVALID_TARGET', `${scheme} URI without "//" authority`, as);
      let ae = as + 2;
      while (ae < e && buf[ae] !== 0x2f && buf[ae] !== 0x3f) ae++;
      let hs = as + 2;
      for (let k = hs; k < ae; k++) if (buf[k] === 0x40) hs = k + 1; // skip userinfo
      if (hs === ae || buf[hs] === COLON) this.fail('HTTP_PARSE_INVALID_TARGET', `${scheme} URI with an empty host`, hs);
      this.checkHost(buf, hs, ae, 'HTTP_PARSE_INVALID_TARGET');
    }
  }

  /** Every byte in the table, and every "%" followed by two hex digits (RFC 3986 §2.1). */
  private checkUriChars(buf: Buffer, s: number, e: number, allowed: Uint8Array): void {
    for (let i = s; i < e; i++) {
      const b = buf[i]!;
      if (allowed[b] !== 1) this.fail('HTTP_PARSE_INVALID_TARGET', `invalid byte 0x${b.toString(16)} in request-target`, i);
      if (b === 0x25 && (i + 2 >= e || HEX[buf[i + 1]!] !== 1 || HEX[buf[i + 2]!] !== 1)) {
        this.fail('HTTP_PARSE_INVALID_TARGET', '"%" not followed by two hex digits in request-target', i);
      }
    }
  }

  /**
   * uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2). Returns the index of
   * the port colon or -1. Empty input is valid (an empty Host).
   */
  private checkHost(buf: Buffer, s: number, e: number, code: HttpParseErrorCode): number {
    let i = s;
    if (i < e && buf[i] === 0x5b) {
      i++;
      while (i < e && IP_LITERAL_CHAR[buf[i]!] === 1) i++;
      if (i === e || buf[i] !== 0x5d || i === s + 1) this.fail(code, 'malformed IP-literal in host', i);
      i++;
    } else {
      for (; i < e && buf[i] !== COLON; i++) {
        const b = buf[i]!;
        if (REG_NAME_CHAR[b] !== 1) this.fail(code, `invalid byte 0x${b.toString(16)} in host`, i);
        if (b === 0x25 && (i + 2 >= e || HEX[buf[i + 1]!] !== 1 || HEX[buf[i + 2]!] !== 1))
          this.fail(code, '"%" not followed by two hex digits in host', i);
      }
    }
    if (i === e) return -1;
    if (buf[i] !== COLON) this.fail(code, `invalid byte 0x${buf[i]!.toString(16)} after host`, i);
    const colon = i;
    for (i++; i < e; i++) if (!isDigit(buf[i]!)) this.fail(code, 'port is not a number', i);
    return colon;
  }

  // --- field lines ---------------------------------------------------------

  /** One line of the header or trailer section; -1 when more bytes are needed. */
  private fieldLine(buf: Buffer, pos: number, end: number): number {
    const max = this.limits.maxHeaderSize;
    const what = this.state === S_HEADERS ? 'header' : 'trailer';
    // One pass for the usual line: field bytes up to a CRLF are found and
    // validated together, so field() need not look at the value again.
    let clean = false;
    let lf = -1;
    if (this.scanned === 0) {
      let k = pos;
      while (k < end && FIELD_CHAR[buf[k]!] === 1) k++;
      if (k + 1 < end && buf[k] === CR && buf[k + 1] === LF) {
        lf = k + 1;
        clean = true;
      }
    }
    if (!clean) lf = this.findLF(buf, pos, end);
    if (lf === -1) {
      // Not the empty line that ends the section: the line's end is at least end+1.
      const nonEmpty = end - pos >= 2 || buf[pos] !== CR;
      if (nonEmpty && end + 1 - this.toRel(this.sectionStart) > max) {
        this.failAbs('HTTP_PARSE_HEADERS_TOO_LARGE', `${what} section larger than maxHeaderSize ${max}`, this.sectionStart + max);
      }
      return -1;
    }
    if (lf === pos || buf[lf - 1] !== CR) this.fail('HTTP_PARSE_INVALID_LINE_ENDING', `${what} line ends with a bare LF`, lf);
    const e = lf - 1;
    if (e === pos) {
      if (this.state === S_HEADERS) this.headComplete();
      else this.complete(this.fields);
      return lf + 1;
    }
    if (lf + 1 - this.toRel(this.sectionStart) > max) {
      this.failAbs('HTTP_PARSE_HEADERS_TOO_LARGE', `${what} section larger than maxHeaderSize ${max}`, this.sectionStart + max);
    }
    if (++this.fieldCount > this.limits.maxHeaderCount) {
      this.fail('HTTP_PARSE_TOO_MANY_HEADERS', `more than maxHeaderCount ${this.limits.maxHeaderCount} ${what} fields`, pos);
    }
    const first = buf[pos]!;
    if (isWhitespace(first)) {
      this.foldedLine(buf, pos, e);
    } else {
      this.field(buf, pos, e, what, clean);
    }
    return lf + 1;
  }

  private toRel(abs: number): number {
    return abs - this.bufBase;
  }

  /** A line starting with whitespace: obs-fold (RFC 9112 §5.2) or junk after the start-line (§2.2). */
  private foldedLine(buf: Buffer, s: number, e: number): void {
    const head = this.head!;
    if (this.type === 'request') {
      if (this.fields.length === 0) this.fail('HTTP_PARSE_WHITESPACE_AFTER_START_LINE', 'whitespace before the first field line', s);
      this.fail('HTTP_PARSE_OBS_FOLD', 'obsolete line folding in a request', s);
    }
    for (let i = s; i < e; i++)
      if (FIELD_CHAR[buf[i]!] !== 1)
        this.fail('HTTP_PARSE_INVALID_HEADER_VALUE', `invalid byte 0x${buf[i]!.toString(16)} in folded line`, i);
    if (this.fields.length === 0) {
      // §2.2: consume a whitespace-preceded line after the status-line without processing it.
      warn(head, 'whitespace-preceded line after the status-line ignored');
      return;
    }
    // §5.2: a user agent replaces each obs-fold with SP.
    let vs = s;
    let ve = e;
    while (vs < ve && isWhitespace(buf[vs]!)) vs++;
    while (ve > vs && isWhitespace(buf[ve - 1]!)) ve--;
    const last = this.fields.length - 1;
    if (ve > vs)
      this.fields[last] = this.fields[last] === '' ? buf.latin1Slice(vs, ve) : `${this.fields[last]!} ${buf.latin1Slice(vs, ve)}`;
    warn(head, 'obs-fold replaced with SP');
  }

  /** field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). */
  private field(buf: Buffer, s: number, e: number, what: string, clean: boolean): void {
    let i = s;
    while (i < e && TCHAR[buf[i]!] === 1) i++;
    if (i === e) this.fail('HTTP_PARSE_INVALID_HEADER_NAME', `${what} line without a colon`, i);
    const c = buf[i]!;
    if (c !== COLON) {
      if (isWhitespace(c)) this.fail('HTTP_PARSE_WHITESPACE_BEFORE_COLON', `whitespace between ${what} field name and colon`, i);
      this.fail('HTTP_PARSE_INVALID_HEADER_NAME', `invalid byte 0x${c.toString(16)} in ${what} field name`, i);
    }
    if (i === s) this.fail('HTTP_PARSE_INVALID_HEADER_NAME', `empty ${what} field name`, i);
    let vs = i + 1;
    if (!clean) {
      for (let k = vs; k < e; k++) {
        if (FIELD_CHAR[buf[k]!] !== 1)
          this.fail('HTTP_PARSE_INVALID_HEADER_VALUE', `invalid byte 0x${buf[k]!.toString(16)} in ${what} field value`, k);
      }
    }
    while (vs < e && isWhitespace(buf[vs]!)) vs++;
    let ve = e;
    while (ve > vs && isWhitespace(buf[ve - 1]!)) ve--;
    const kind = this.state === S_HEADERS ? specialKind(buf, s, i) : 0;
    const name = knownName(buf, s, i) ?? buf.latin1Slice(s, i);
    // Counted against the limits above, but never handed out (RFC 9110 §6.5.1).
    if (this.state === S_TRAILERS && PROHIBITED_TRAILERS.has(name.toLowerCase())) return;
    let value = '';
    let seenHost = false;
    if (ve > vs) {
      // Clients repeat the same Host on every request: reuse the last string (already checked).
      const last = kind === K_HOST ? this.lastHost : '';
      if (last.length === ve - vs && sameBytes(buf, vs, last)) {
        value = last;
        seenHost = true;
      } else {
        value = buf.latin1Slice(vs, ve);
      }
    }
    this.fields.push(name, value);
    if (kind === 0) return;
    if (kind === K_HOST && this.type === 'request') {
      // RFC 9112 §3.2: exactly one Host, with a valid uri-host [ ":" port ].
      if (++this.hostCount > 1) this.fail('HTTP_PARSE_DUPLICATE_HOST', 'more than one Host field', s);
      if (!seenHost) {
        this.checkHost(buf, vs, ve, 'HTTP_PARSE_INVALID_HOST');
        this.lastHost = value;
      }
    }
    if (kind === K_HOST) return; // checked above; framing does not look at it
    if (this.special === NO_SPECIAL) this.special = [];
    this.special.push(kind, this.fields.length - 2, this.bufBase + s);
  }

  // --- framing (RFC 9112 §6) -----------------------------------------------

  private headComplete(): void {
    const head = this.head!;
    const fields = this.fields;
    head.rawHeaders = fields;
    // Allocated only for a message that has these fields (most requests have neither).
    let contentLengths: string[] = NO_LIST;
    let contentLengthAts: number[] = NO_SPECIAL;
    let transferEncodings: string[] = NO_LIST;
    let transferEncodingAt = -1;
    let upgradeField = false;
    const special = this.special;
    for (let k = 0; k < special.length; k += 3) {
      const f = special[k + 1]!;
      switch (special[k]) {
        case K_EXPECT:
          this.expectation(head, fields[f + 1]!, special[k + 2]!);
          break;
        case K_UPGRADE:
          upgradeField = true;
          break;
        case K_CONNECTION:
          if (head.connection === NO_LIST) head.connection = [];
          splitList(fields[f + 1]!, head.connection);
          break;
        case K_CONTENT_LENGTH:
          if (contentLengths === NO_LIST) {
            contentLengths = [];
            contentLengthAts = [];
          }
          contentLengths.push(fields[f + 1]!);
          contentLengthAts.push(special[k + 2]!);
          break;
        case K_TRANSFER_ENCODING:
          if (transferEncodings === NO_LIST) {
            transferEncodings = [];
            transferEncodingAt = special[k + 2]!;
          }
          transferEncodings.push(fields[f + 1]!);
          break;
        default:
          break;
      }
    }
    const v11 = head.versionMinor >= 1;
    const conn = head.connection;
    const close = conn.includes('close');
    head.keepAlive = v11 ? !close : !close && conn.includes('keep-alive');
    const end = this.sectionStart; // offset for section-wide errors: the first field line
    if (this.type === 'request') {
      head.upgrade = upgradeField && conn.includes('upgrade');
      // RFC 9112 §3.2: HTTP/1.1 needs a Host (duplicates and bad values were rejected per line).
      if (this.hostCount === 0 && v11) this.failAbs('HTTP_PARSE_MISSING_HOST', 'HTTP/1.1 request without a Host field', end);
      if (transferEncodings.length > 0) {
        const at = transferEncodingAt;
        if (contentLengths.length > 0)
          this.failAbs('HTTP_PARSE_CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 'request has both Content-Length and Transfer-Encoding', at);
        // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
        if (!v11) this.failAbs('HTTP_PARSE_INVALID_TRANSFER_ENCODING', 'Transfer-Encoding in an HTTP/1.0 request', at);
        head.transferCodings = transferCodings(transferEncodings, at, true, this.failAt, NO_WARN).codings;
        head.framing = 'chunked';
        head.contentLength = -1;
      } else if (contentLengths.length > 0) {
        this.setLength(head, contentLengths, contentLengthAts);
      } else {
        head.framing = 'none';
        head.contentLength = 0;
      }
    } else {
      const status = head.status;
      if (status >= 100 && status < 200) {
        head.method = this.methodQueue?.[0] ?? 'GET';
        head.framing = status === 101 ? 'upgrade' : 'none';
        head.upgrade = status === 101;
        head.contentLength = status === 101 ? -1 : 0;
      } else {
        head.method = this.methodQueue?.shift() ?? 'GET';
        if (head.method === 'HEAD' || status === 204 || status === 304) {
          head.framing = 'none';
          head.contentLength = 0;
        } else if (head.method === 'CONNECT' && status < 300) {
          head.framing = 'upgrade';
          head.upgrade = true;
          head.contentLength = -1;
        } else if (transferEncodings.length > 0) {
          const te = transferCodings(transferEncodings, transferEncodingAt, false, this.failAt, (message) => warn(head, message));
          head.transferCodings = te.codings;
          const chunked = te.chunked;
          if (contentLengths.length > 0) {
            warn(head, 'Content-Length and Transfer-Encoding together: Transfer-Encoding used, connection not reusable');
            head.keepAlive = false;
          }
          if (!v11) {
            warn(head, 'Transfer-Encoding in an HTTP/1.0 response: read until close');
            head.framing = 'close';
          } else if (chunked) {
            head.framing = 'chunked';
          } else {
            warn(head, 'Transfer-Encoding without final chunked: read until close');
            head.framing = 'close';
          }
          head.contentLength = -1;
        } else if (contentLengths.length > 0) {
          this.setLength(head, contentLengths, contentLengthAts);
        } else {
          head.framing = 'close';
          head.contentLength = -1;
        }
        if (head.framing === 'close') head.keepAlive = false;
      }
    }
    this.bodyBytes = 0;
    this.h.onHead?.(head);
    switch (head.framing) {
      case 'length':
        this.remaining = head.contentLength;
        this.state = S_BODY_LENGTH;
        break;
      case 'chunked':
        this.state = S_CHUNK_SIZE;
        this.scanned = 0;
        break;
      case 'close':
        this.state = S_BODY_CLOSE;
        break;
      default:
        this.complete(NO_TRAILERS);
    }
  }

  private setLength(head: MessageHead, values: string[], ats: number[]): void {
    const value = contentLength(values, ats, this.limits.maxBodySize, this.failAt);
    head.contentLength = value;
    head.framing = value === 0 ? 'none' : 'length';
  }

  /**
   * Expect = #expectation; 100-continue is the only one defined (RFC 9110 §10.1.1).
   * A request naming another gets 417 (Expectation Failed); a response's is ignored.
   */
  private expectation(head: MessageHead, value: string, at: number): void {
    const lower = value.toLowerCase();
    if (lower === '100-continue') {
      head.expectContinue = true;
      return;
    }
    const members: string[] = [];
    splitList(lower, members);
    for (const m of members) {
      if (m === '100-continue') head.expectContinue = true;
      else if (this.type === 'request') this.failAbs('HTTP_PARSE_UNSUPPORTED_EXPECTATION', `unsupported expectation "${m}"`, at);
    }
  }

  // --- chunked body (RFC 9112 §7.1) ----------------------------------------

  /** chunk-size [ chunk-ext ] CRLF, or last-chunk; -1 when more bytes are needed. */
  private chunkSizeLine(buf: Buffer, pos: number, end: number): number {
    const max = this.limits.maxChunkLineSize;
    const lf = this.findLF(buf, pos, end);
    if (lf === -1) {
      if (end + 1 - pos > max) this.fail('HTTP_PARSE_INVALID_CHUNK_SIZE', `chunk-size line longer than maxChunkLineSize ${max}`, pos + max);
      return -1;
    }
    if (lf + 1 - pos > max) this.fail('HTTP_PARSE_INVALID_CHUNK_SIZE', `chunk-size line longer than maxChunkLineSize ${max}`, pos + max);
    if (lf === pos || buf[lf - 1] !== CR) this.fail('HTTP_PARSE_INVALID_LINE_ENDING', 'chunk-size line ends with a bare LF', lf);
    const e = lf - 1;
    let i = pos;
    let size = 0;
    for (; i < e; i++) {
      const d = HEX_VALUE[buf[i]!]!;
      if (d === 255) break;
      if (size > (MAX_SAFE - d) / 16) this.fail('HTTP_PARSE_CHUNK_SIZE_OVERFLOW', 'chunk-size too large', i);
      size = size * 16 + d;
    }
    if (i === pos) this.fail('HTTP_PARSE_INVALID_CHUNK_SIZE', 'chunk-size is not hexadecimal', pos);
    const extStart = i;
    this.chunkExtensions(buf, i, e);
    if (size > 0 && this.bodyBytes + size > this.limits.maxBodySize) {
      this.fail('HTTP_PARSE_BODY_TOO_LARGE', `chunked body exceeds maxBodySize ${this.limits.maxBodySize}`, pos);
    }
    this.bodyBytes += size;
    this.h.onChunkHeader?.(size, extStart < e ? buf.latin1Slice(extStart, e) : '');
    if (size === 0) {
      this.state = S_TRAILERS;
      this.sectionStart = this.bufBase + lf + 1;
      this.fieldCount = 0;
      this.fields = [];
    } else {
      this.remaining = size;
      this.state = S_CHUNK_DATA;
    }
    return lf + 1;
  }

  /** chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) */
  private chunkExtensions(buf: Buffer, i: number, e: number): void {
    const bad = (at: number): never => this.fail('HTTP_PARSE_INVALID_CHUNK_EXTENSION', 'malformed chunk extension', at);
    while (i < e) {
      while (i < e && isWhitespace(buf[i]!)) i++;
      if (i === e || buf[i] !== 0x3b) bad(i);
      i++;
      while (i < e && isWhitespace(buf[i]!)) i++;
      const ns = i;
      while (i < e && TCHAR[buf[i]!] === 1) i++;
      if (i === ns) bad(i);
      let j = i;
      while (j < e && isWhitespace(buf[j]!)) j++;
      if (j < e && buf[j] === 0x3d) {
        i = j + 1;
        while (i < e && isWhitespace(buf[i]!)) i++;
        if (i < e && buf[i] === 0x22) {
          i = this.quotedString(buf, i, e);
        } else {
          const vs = i;
          while (i < e && TCHAR[buf[i]!] === 1) i++;
          if (i === vs) bad(i);
        }
      }
    }
  }

  /** quoted-string starting at the DQUOTE at `i`; returns the index after the closing DQUOTE. */
  private quotedString(buf: Buffer, i: number, e: number): number {
    for (i++; i < e; i++) {
      const b = buf[i]!;
      if (b === 0x22) return i + 1;
      if (b === 0x5c) {
        i++;
        if (i >= e || QUOTED_PAIR_CHAR[buf[i]!] !== 1)
          this.fail('HTTP_PARSE_INVALID_CHUNK_EXTENSION', 'bad quoted-pair in chunk extension', i);
        continue;
      }
      if (QDTEXT[b] !== 1) this.fail('HTTP_PARSE_INVALID_CHUNK_EXTENSION', `invalid byte 0x${b.toString(16)} in quoted chunk extension`, i);
    }
    return this.fail('HTTP_PARSE_INVALID_CHUNK_EXTENSION', 'unterminated quoted-string in chunk extension', e);
  }

  private complete(trailers: string[]): void {
    const head = this.head!;
    this.state = head.framing === 'upgrade' ? S_UPGRADED : S_START;
    this.scanned = 0;
    // Let go of the message: an idle keep-alive connection should hold nothing of it.
    this.head = null;
    this.fields = NO_TRAILERS;
    this.special = NO_SPECIAL;
    this.h.onComplete?.(trailers);
  }
}

// --- small helpers ---------------------------------------------------------

// Field names the parser acts on (RFC 9112 §3.2, §6, §9; RFC 9110 §7.8, §10.1.1).
const K_HOST = 1;
const K_CONTENT_LENGTH = 2;
const K_TRANSFER_ENCODING = 3;
const K_CONNECTION = 4;
const K_UPGRADE = 5;
const K_EXPECT = 6;

/** Which framing-relevant field a name is, compared on the bytes (ASCII case-insensitive), 0 for others. */
function specialKind(buf: Buffer, s: number, e: number): number {
  switch (e - s) {
    case 4:
      return equalsLower(buf, s, 'host') ? K_HOST : 0;
    case 6:
      return equalsLower(buf, s, 'expect') ? K_EXPECT : 0;
    case 7:
      return equalsLower(buf, s, 'upgrade') ? K_UPGRADE : 0;
    case 10:
      return equalsLower(buf, s, 'connection') ? K_CONNECTION : 0;
    case 14:
      return equalsLower(buf, s, 'content-length') ? K_CONTENT_LENGTH : 0;
    case 17:
      return equalsLower(buf, s, 'transfer-encoding') ? K_TRANSFER_ENCODING : 0;
    default:
      return 0;
  }
}

// Exact spellings that are common enough to hand out without making a new string.
const METHODS = ['GET', 'PUT', 'POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT'];
const NAMES = [
  'Host',
  'host',
  'Accept',
  'accept',
  'Cookie',
  'cookie',
  'Connection',
  'connection',
  'User-Agent',
  'user-agent',
  'Content-Type',
  'content-type',
  'Content-Length',
  'content-length',
  'Accept-Encoding',
  'accept-encoding',
  'Accept-Language',
  'accept-language',
  'Transfer-Encoding',
  'transfer-encoding',
  'Cache-Control',
  'cache-control',
];
const byLength = (words: string[]): string[][] => {
  const t: string[][] = [];
  for (const w of words) (t[w.length] ??= []).push(w);
  return t;
};
const METHODS_BY_LENGTH = byLength(METHODS);
const NAMES_BY_LENGTH = byLength(NAMES);

function sameBytes(buf: Buffer, s: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (buf[s + i] !== word.charCodeAt(i)) return false;
  return true;
}

function known(table: string[][], buf: Buffer, s: number, e: number): string | undefined {
  const candidates = table[e - s];
  if (candidates) for (const w of candidates) if (sameBytes(buf, s, w)) return w;
  return undefined;
}

function knownMethod(buf: Buffer, s: number, e: number): string | undefined {
  return known(METHODS_BY_LENGTH, buf, s, e);
}

function knownName(buf: Buffer, s: number, e: number): string | undefined {
  return known(NAMES_BY_LENGTH, buf, s, e);
}

function equalsLower(buf: Buffer, s: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((buf[s + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function isAlpha(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function printable(buf: Buffer, s: number, e: number): string {
  return buf.latin1Slice(s, Math.min(e, s + 40)).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

// Node's Buffer has latin1Slice (the fast path behind toString('latin1')); declare it for TypeScript.
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
  }
}
