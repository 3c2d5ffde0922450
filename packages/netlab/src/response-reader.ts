// Just enough HTTP/1.x response framing to know where a response ends
// (RFC 9112 §6.3): no body, Content-Length, chunked, or read until close.
// The timed client needs only that; full parsing lives in @connlab/http.
import { NetlabError } from './errors.js';

export interface ResponseHead {
  status: number;
  version: string;
  /** Lower-cased names; repeats joined with ", ". */
  headers: Record<string, string>;
}

type State =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; remaining: number }
  | { kind: 'chunk-crlf' }
  | { kind: 'trailers' }
  | { kind: 'close' }
  | { kind: 'done' };

// RFC 9112 §2.3: the head ends at the first empty line.
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const MAX_HEAD = 64 * 1024;

/**
 * Feed response bytes with `push`; it returns true once the response is
 * complete. `end()` at EOF completes a close-delimited body.
 *
 * @example
 * const reader = new ResponseReader('GET');
 * socket.on('data', (d) => { if (reader.push(d)) done(reader.head, reader.body()); });
 */
export class ResponseReader {
  head: ResponseHead | undefined;
  private state: State = { kind: 'head' };
  private pending: Buffer = Buffer.alloc(0);
  private readonly chunks: Buffer[] = [];
  private offset = 0;

  constructor(private readonly method = 'GET') {}

  get done(): boolean {
    return this.state.kind === 'done';
  }

  /** Whether the connection may carry another request after this response. */
  get reusable(): boolean {
    if (!this.head || this.state.kind !== 'done') return false;
    const connection = (this.head.headers.connection ?? '').toLowerCase();
    if (connection.includes('close')) return false;
    return this.head.version === '1.1' || connection.includes('keep-alive');
  }

  body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  push(data: Buffer): boolean {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    for (;;) {
      const progressed = this.step();
      if (!progressed || this.state.kind === 'done') return this.state.kind === 'done';
    }
  }

  /** The peer closed: completes a read-until-close body, else the response was cut short. */
  end(): boolean {
    if (this.state.kind === 'close') {
      this.state = { kind: 'done' };
      return true;
    }
    if (this.state.kind !== 'done') {
      throw new NetlabError('NETLAB_HTTP', `response ended early at byte ${this.offset} while reading ${this.state.kind}`);
    }
    return true;
  }

  private take(n: number): Buffer {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.offset += n;
    return out;
  }

  private step(): boolean {
    const s = this.state;
    switch (s.kind) {
      case 'head': {
        const end = this.pending.indexOf(HEAD_END);
        if (end < 0) {
          if (this.pending.length > MAX_HEAD) throw new NetlabError('NETLAB_HTTP', `response head longer than ${MAX_HEAD} bytes`);
          return false;
        }
        const text = this.take(end + 4).toString('latin1');
        this.head = parseHead(text, this.offset - text.length);
        this.state = this.bodyState(this.head);
        return true;
      }
      case 'length': {
        if (this.pending.length === 0) return false;
        const part = this.take(Math.min(s.remaining, this.pending.length));
        this.chunks.push(Buffer.from(part));
        const remaining = s.remaining - part.length;
        this.state = remaining === 0 ? { kind: 'done' } : { kind: 'length', remaining };
        return true;
      }
      case 'chunk-size': {
        const eol = this.pending.indexOf(CRLF);
        if (eol < 0) return false;
        const line = this.take(eol + 2)
          .toString('latin1')
          .slice(0, -2);
        const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0)
          throw new NetlabError('NETLAB_HTTP', `bad chunk size "${line}" at byte ${this.offset - line.length - 2}`);
        this.state = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining: size };
        return true;
      }
      case 'chunk-data': {
        if (this.pending.length === 0) return false;
        const part = this.take(Math.min(s.remaining, this.pending.length));
        this.chunks.push(Buffer.from(part));
        const remaining = s.remaining - part.length;
        this.state = remaining === 0 ? { kind: 'chunk-crlf' } : { kind: 'chunk-data', remaining };
        return true;
      }
      case 'chunk-crlf': {
        if (this.pending.length < 2) return false;
        this.take(2);
        this.state = { kind: 'chunk-size' };
        return true;
      }
      case 'trailers': {
        const eol = this.pending.indexOf(CRLF);
        if (eol < 0) return false;
        const line = this.take(eol + 2);
        if (line.length === 2) this.state = { kind: 'done' };
        return true;
      }
      case 'close': {
        if (this.pending.length === 0) return false;
        this.chunks.push(Buffer.from(this.take(this.pending.length)));
        return true;
      }
      case 'done':
        return false;
    }
  }

  private bodyState(head: ResponseHead): State {
    if (this.method === 'HEAD' || (head.status >= 100 && head.status < 200) || head.status === 204 || head.status === 304)
      return { kind: 'done' };
    const te = head.headers['transfer-encoding'];
    if (te !== undefined) return te.toLowerCase().trim().endsWith('chunked') ? { kind: 'chunk-size' } : { kind: 'close' };
    const cl = head.headers['content-length'];
    if (cl !== undefined) {
      const n = Number(cl.split(',')[0]!.trim());
      if (!Number.isInteger(n) || n < 0) throw new NetlabError('NETLAB_HTTP', `bad Content-Length "${cl}"`);
      return n === 0 ? { kind: 'done' } : { kind: 'length', remaining: n };
    }
    return { kind: 'close' };
  }
}

function parseHead(text: string, offset: number): ResponseHead {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/(\d\.\d) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!statusLine) throw new NetlabError('NETLAB_HTTP', `bad status line "${lines[0] ?? ''}" at byte ${offset}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new NetlabError('NETLAB_HTTP', `bad header line "${line}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { version: statusLine[1]!, status: Number(statusLine[2]), headers };
}
