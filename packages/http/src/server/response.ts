// The response a handler writes, serialized straight to HTTP/1.1 bytes.
import { HttpResponseError } from '../shared/errors.js';
import type { HttpRequest } from './request.js';
import { statusLine } from './status.js';
import { isFieldValue, isToken } from '../shared/tokens.js';

/** Header input: an object (`{ 'Content-Type': 'text/plain' }`) or ordered pairs. */
export type HeaderInput = Readonly<Record<string, string | number | readonly string[]>> | readonly (readonly [string, string | number])[];

/** What a handler may return instead of calling `res.end()`. */
export interface ResponseInit {
  /** Default 200. */
  status?: number;
  headers?: HeaderInput;
  /** Strings are sent as UTF-8. */
  body?: string | Uint8Array | null;
}

/** The connection side of a response (implemented by the server's connection). */
export interface ResponseSink {
  /** The response has new bytes in `parts` (or finished). */
  responseUpdated(res: HttpResponse): void;
  /** Connection and Keep-Alive lines for this response, decided when its head is written. */
  connectionHeaders(res: HttpResponse): string;
  /** The current Date field value (cached once a second). */
  date(): string | null;
  /** The socket's write buffer is above its high-water mark. */
  writableNeedDrain(): boolean;
}

const MODE_NONE = 0; // head not written yet
const MODE_LENGTH = 1;
const MODE_CHUNKED = 2;
const MODE_CLOSE = 3; // body delimited by closing the connection
const MODE_NO_BODY = 4;

const EMPTY = Buffer.alloc(0);
// Shared empty lists for responses that have not set a field / produced bytes yet; replaced, never pushed to.
const NO_FIELDS: string[] = Object.freeze([]) as unknown as string[];
const NOTHING: (string | Buffer)[] = Object.freeze([]) as unknown as (string | Buffer)[];
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

// Handlers send the same few names and values over and over: remember the
// ones already found valid (bounded, so random values cannot grow it).
const VALID_NAMES = new Set<string>();
const VALID_VALUES = new Set<string>();
const CACHE_LIMIT = 512;
function checked(cache: Set<string>, s: string, valid: (s: string) => boolean): boolean {
  if (cache.has(s)) return true;
  if (!valid(s)) return false;
  if (s.length <= 128 && cache.size < CACHE_LIMIT) cache.add(s);
  return true;
}

// Head lines ready to send, for the names, values and lengths that repeat from
// response to response. Each is flattened once: a head built by `+=` is a rope
// of many short pieces, and copying a rope piece by piece into the socket write
// cost a tenth of the server's time under pipelining.
const FIELD_LINES = new Map<string, Map<string, string>>();
let fieldLinesCached = 0;
const LENGTH_LINES: string[] = [];
let lastDate = '';
let lastDateLine = '';

/** `s`, flattened in place (V8 keeps concatenations as ropes; ToNumber flattens its argument). */
function flat(s: string): string {
  void Number(s);
  return s;
}

function fieldLine(name: string, value: string): string {
  const byValue = FIELD_LINES.get(name);
  const cached = byValue?.get(value);
  if (cached !== undefined) return cached;
  const line = `${name}: ${value}\r\n`;
  if (value.length > 128 || fieldLinesCached >= CACHE_LIMIT) return line;
  fieldLinesCached++;
  if (byValue) byValue.set(value, flat(line));
  else FIELD_LINES.set(name, new Map([[value, flat(line)]]));
  return line;
}

function lengthLine(length: number): string {
  if (length >= 1024) return `Content-Length: ${length}\r\n`;
  return (LENGTH_LINES[length] ??= flat(`Content-Length: ${length}\r\n`));
}

function dateLine(date: string): string {
  if (date !== lastDate) {
    lastDate = date;
    lastDateLine = flat(`Date: ${date}\r\n`);
  }
  return lastDateLine;
}

// The last body found to be ASCII (hello-world handlers send one constant).
// The last plain response serialized (a known-length body given to end(), kept-alive
// HTTP/1.1, no framing or Date field set by the handler), with what it was made
// from: the same status, the same header strings, the same Date value and the
// same length give the same head, reused whole (and with the same string body,
// the whole response). Compared by identity, so a hit costs a few comparisons.
const memo = {
  status: 0,
  fields: [] as string[],
  date: null as string | null,
  length: -1,
  head: '',
  body: null as string | null,
  response: '',
};

function memoHit(status: number, fields: string[], date: string | null, length: number): boolean {
  if (memo.status !== status || memo.length !== length || memo.date !== date) return false;
  const m = memo.fields;
  if (m.length !== fields.length) return false;
  for (let i = 0; i < m.length; i++) if (m[i] !== fields[i]) return false;
  return true;
}

let lastAscii = '';
function isAscii(s: string): boolean {
  if (s === lastAscii) return true;
  if (NON_ASCII.test(s)) return false;
  if (s.length <= 4096) lastAscii = s;
  return true;
}

/**
 * A response under construction. Content-Length is sent when the whole body is
 * given to `end()`; after `write()` the body is chunked (HTTP/1.1) or
 * delimited by closing the connection (HTTP/1.0). HEAD, 204 and 304
 * responses never carry a body.
 *
 * @example
 * ```ts
 * createServer((req, res) => {
 *   res.writeHead(200, { 'Content-Type': 'text/plain' });
 *   res.end('hello\n');
 * });
 * ```
 */
export class HttpResponse {
  statusCode = 200;
  /** The request this answers. */
  readonly req: HttpRequest;
  /** True once the status-line and header fields have been serialized. */
  headersSent = false;
  /** True once end() was called. */
  finished = false;
  /** The connection closes after this response (decided by the request, the server's policy or the framing). */
  close: boolean;
  /** The body does not match the handler-set Content-Length (so the connection closes after it). */
  lengthMismatch = false;
  /** Bytes waiting to be written by the connection, in order (strings are latin1 byte strings). */
  parts: (string | Buffer)[] = NOTHING;
  private readonly sink: ResponseSink;
  private fields: string[] = NO_FIELDS; // flat [name, value, ...]
  private mode = MODE_NONE;
  private declared = -1;
  private sent = 0;
  private forceClose = false;
  private hasDate = false;

  constructor(sink: ResponseSink, req: HttpRequest, close: boolean) {
    this.sink = sink;
    this.req = req;
    this.close = close;
  }

  /** Set (replace) a header field. Names must be tokens; values must not contain CR, LF or NUL (response splitting). */
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.assertOpen();
    this.removeHeader(name);
    if (typeof value === 'object') for (const v of value) this.addField(name, v);
    else this.addField(name, value);
    return this;
  }

  /** Append a field line without replacing earlier ones (e.g. several Set-Cookie). */
  appendHeader(name: string, value: string | number): this {
    this.assertOpen();
    this.addField(name, value);
    return this;
  }

  /** The value(s) set for a name, joined with ", ". */
  getHeader(name: string): string | undefined {
    const lower = name.toLowerCase();
    let out: string | undefined;
    for (let i = 0; i < this.fields.length; i += 2) {
      if (this.fields[i]!.toLowerCase() === lower) out = out === undefined ? this.fields[i + 1]! : `${out}, ${this.fields[i + 1]!}`;
    }
    return out;
  }

  removeHeader(name: string): this {
    const lower = name.toLowerCase();
    if (lower === 'date') this.hasDate = false;
    for (let i = this.fields.length - 2; i >= 0; i -= 2) if (this.fields[i]!.toLowerCase() === lower) this.fields.splice(i, 2);
    return this;
  }

  /** Set the status and (optionally) header fields; the head is serialized on the first write() or end(). */
  writeHead(status: number, headers?: HeaderInput): this {
    this.assertOpen();
    this.statusCode = status;
    if (headers) this.addFields(headers);
    return this;
  }

  /**
   * Delimit the body by closing the connection instead of Content-Length or
   * chunked, the only choice an HTTP/1.0 client understands for a body of
   * unknown length (RFC 9112 §6.3 (8)). The connection closes after this response.
   */
  closeDelimited(): this {
    this.assertOpen();
    this.forceClose = true;
    return this;
  }

  /** Send part of the body. Returns false when the socket's buffer is full (write less until it drains). */
  write(chunk: string | Uint8Array): boolean {
    if (this.finished)
      throw new HttpResponseError('HTTP_RESPONSE_ALREADY_SENT', `write() after end() (${this.req.method} ${this.req.target})`);
    if (!this.headersSent) this.commit(-1);
    this.body(chunk);
    this.sink.responseUpdated(this);
    return !this.sink.writableNeedDrain();
  }

  /** Finish the response, optionally with (the rest of) the body. */
  end(body?: string | Uint8Array | null): void {
    if (this.finished)
      throw new HttpResponseError('HTTP_RESPONSE_ALREADY_SENT', `end() called twice (${this.req.method} ${this.req.target})`);
    const data = body ?? EMPTY;
    if (!this.headersSent) {
      this.commit(typeof data === 'string' ? Buffer.byteLength(data) : data.length, typeof data === 'string' ? data : null);
      if (this.mode === MODE_LENGTH && typeof data === 'string') {
        this.finish();
        return;
      }
    }
    if (data.length > 0) this.body(data);
    this.finish();
  }

  /** Apply a {@link ResponseInit} and end. */
  send(init: ResponseInit): void {
    if (init.status !== undefined) this.statusCode = init.status;
    if (init.headers) this.addFields(init.headers);
    this.end(init.body ?? null);
  }

  // --- internals -------------------------------------------------------------

  private assertOpen(): void {
    if (this.headersSent)
      throw new HttpResponseError('HTTP_RESPONSE_ALREADY_SENT', `headers already sent (${this.req.method} ${this.req.target})`);
  }

  private addFields(headers: HeaderInput): void {
    if (Array.isArray(headers)) {
      for (const [n, v] of headers as readonly (readonly [string, string | number])[]) this.addField(n, v);
    } else {
      const record = headers as Readonly<Record<string, string | number | readonly string[]>>;
      for (const n in record) {
        const v = record[n]!;
        if (typeof v === 'object') for (const x of v) this.addField(n, x);
        else this.addField(n, v);
      }
    }
  }

  private addField(name: string, value: string | number): void {
    const v = typeof value === 'number' ? String(value) : value;
    if (!checked(VALID_NAMES, name, isToken))
      throw new HttpResponseError('HTTP_RESPONSE_INVALID_HEADER', `invalid header name ${JSON.stringify(name)}`);
    if (!checked(VALID_VALUES, v, isFieldValue))
      throw new HttpResponseError(
        'HTTP_RESPONSE_INVALID_HEADER',
        `invalid value for header ${name}: control characters (CR, LF, NUL) are not allowed`,
      );
    if (this.fields === NO_FIELDS) this.fields = [];
    this.fields.push(name, v.trim());
    if (name.length === 4 && name.toLowerCase() === 'date') this.hasDate = true;
  }

  /**
   * Serialize the head. `length` is the whole body's size when known (end()
   * before any write()), -1 when streaming. `inline` is a string body that
   * may be appended to the head string when it is ASCII.
   */
  private commit(length: number, inline: string | null = null): void {
    const status = this.statusCode;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new HttpResponseError('HTTP_RESPONSE_INVALID_STATUS', `status ${status} is not a final status code (200-599)`);
    }
    const req = this.req;
    const plain =
      length >= 0 &&
      !this.close &&
      !this.forceClose &&
      !this.hasDate &&
      req.version !== '1.0' &&
      req.method !== 'HEAD' &&
      req.method !== 'CONNECT';
    if (plain && status !== 204 && status !== 304 && memoHit(status, this.fields, this.sink.date(), length)) {
      this.mode = MODE_LENGTH;
      this.declared = length;
      this.headersSent = true;
      if (inline === null) {
        this.parts = [memo.head];
        return;
      }
      this.sent = length;
      if (inline === memo.body) this.parts = [memo.response];
      else this.parts = isAscii(inline) ? [memo.head + inline] : [memo.head, Buffer.from(inline)];
      return;
    }
    const isHead = this.req.method === 'HEAD';
    let head = statusLine(status);
    let userLength = -1;
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) {
      const name = f[i]!;
      const value = f[i + 1]!;
      // The server owns the framing and connection fields (RFC 9112 §6, §9.6).
      switch (name.length) {
        case 10:
          if (name.toLowerCase() === 'connection') {
            if (/(^|,)\s*close\s*(,|$)/i.test(value)) this.close = true;
            continue;
          }
          if (name.toLowerCase() === 'keep-alive') continue;
          break;
        case 14:
          if (name.toLowerCase() === 'content-length') {
            // A handler-set length is sent as given (lessons use wrong ones on purpose).
            if (/^\d{1,15}$/.test(value)) userLength = Number(value);
            continue;
          }
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') continue;
          break;
        default:
          break;
      }
      head += fieldLine(name, value);
    }
    const date = this.sink.date();
    if (date !== null && !this.hasDate) head += dateLine(date);
    if (status === 204 || status === 304) {
      // RFC 9110 §8.6: no Content-Length in 204; 304 has no body either.
      this.mode = MODE_NO_BODY;
    } else if (this.req.method === 'CONNECT' && status < 300) {
      // RFC 9110 §9.3.6: a 2xx to CONNECT carries neither Content-Length nor
      // Transfer-Encoding; this server opens no tunnel, so whatever it sends is
      // ended by closing the connection.
      this.mode = MODE_CLOSE;
      this.close = true;
    } else if (userLength >= 0) {
      head += lengthLine(userLength);
      this.mode = MODE_LENGTH;
      this.declared = userLength;
      // Known to be wrong already: the framing breaks, so this response closes the connection.
      if (length >= 0 && length !== userLength && !isHead) this.close = this.lengthMismatch = true;
    } else if (length >= 0 && !this.forceClose) {
      head += lengthLine(length);
      this.mode = MODE_LENGTH;
      this.declared = length;
    } else if (isHead) {
      // Unknown length, but a HEAD response has no body anyway.
      this.mode = MODE_NO_BODY;
    } else if (this.req.version !== '1.0' && !this.forceClose) {
      head += 'Transfer-Encoding: chunked\r\n';
      this.mode = MODE_CHUNKED;
    } else {
      // RFC 9112 §6.3 (8): the length cannot be determined; the close ends the body.
      this.mode = MODE_CLOSE;
      this.close = true;
    }
    if (isHead) this.mode = MODE_NO_BODY;
    head += this.sink.connectionHeaders(this);
    head += '\r\n';
    this.headersSent = true;
    // Only what memoHit's key decides: no handler-set length, and nothing above turned the connection to close.
    if (plain && this.mode === MODE_LENGTH && userLength === -1 && !this.close) {
      memo.status = status;
      memo.fields = f.slice();
      memo.date = date;
      memo.length = length;
      memo.head = flat(head);
      memo.body = inline !== null && isAscii(inline) ? inline : null;
      memo.response = memo.body === null ? '' : flat(memo.head + memo.body);
    }
    if (inline !== null && this.mode === MODE_LENGTH && this.declared === length && isAscii(inline)) {
      this.parts = [head + inline];
      this.sent = length;
      return;
    }
    if (inline !== null && this.mode === MODE_LENGTH) {
      this.parts = [head, Buffer.from(inline)];
      this.sent = length;
      return;
    }
    this.parts = [head];
  }

  private body(chunk: string | Uint8Array): void {
    if (this.mode === MODE_NO_BODY) return;
    const data =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (data.length === 0) return;
    this.sent += data.length;
    if (this.parts.length === 0) this.parts = [];
    if (this.mode === MODE_CHUNKED) {
      this.parts.push(`${data.length.toString(16)}\r\n`, data, '\r\n');
    } else {
      this.parts.push(data);
    }
  }

  private finish(): void {
    this.finished = true;
    if (this.mode === MODE_CHUNKED) {
      if (this.parts.length === 0) this.parts = [];
      this.parts.push('0\r\n\r\n');
    }
    // A wrong handler-set Content-Length leaves the framing broken: close after it.
    if (this.mode === MODE_LENGTH && this.sent !== this.declared) this.close = this.lengthMismatch = true;
    this.sink.responseUpdated(this);
  }
}
