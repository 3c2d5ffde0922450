// A raw-socket HTTP/1.1 client that times each transaction phase by phase:
// the lookup through the system resolver, the TCP handshake, the request
// reaching the kernel, the first response byte, the last one.
import { lookup } from 'node:dns/promises';
import { isIP, connect } from 'node:net';
import type { Socket } from 'node:net';
import { HttpParser } from '@connlab/http/parser';
import type { MessageHead } from '@connlab/http/parser';
import { NetlabError } from './errors.js';
import { TransactionTimer } from './timing.js';
import type { TimingResult } from './timing.js';

export interface TimedConnectionOptions {
  /** A name (resolved with dns.lookup, as curl and browsers do through getaddrinfo) or an IP literal. */
  host: string;
  port: number;
  /** Address family to ask the resolver for (default: whatever it returns first). */
  family?: 4 | 6;
  /** Resolve names with this instead of dns.lookup (e.g. a Resolver pointed at a DNS server across a delay line). */
  resolve?: (host: string) => Promise<string>;
  /** Give up on one transaction after this long (default 10 000 ms). */
  timeoutMs?: number;
  /** Host header (default: `host:port`). */
  hostHeader?: string;
}

export interface TimedRequest {
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Label of this transaction in figures (default `METHOD path`). */
  label?: string;
}

export interface TimedResponse {
  timing: TimingResult;
  /** The final response's head as @connlab/http's parser read it (status, rawHeaders, keepAlive, ...). */
  head: MessageHead;
  /** The body, de-chunked. */
  body: Buffer;
}

/**
 * One client connection, opened by its first request and reused by the
 * following ones while the server keeps it open. Each `request()` returns
 * the response and its TimingResult (reused: true after the first).
 *
 * @example
 * const conn = new TimedConnection({ host: 'localhost', port });
 * const first = await conn.request({ path: '/' });   // dns + connect + …
 * const second = await conn.request({ path: '/' });  // reused: dns = connect = 0
 * conn.close();
 */
export class TimedConnection {
  private socket: Socket | undefined;
  private busy = false;

  constructor(readonly options: TimedConnectionOptions) {}

  /** The open socket, if any (to read TCP_INFO, for example). */
  get current(): Socket | undefined {
    return this.socket;
  }

  async request(req: TimedRequest = {}): Promise<TimedResponse> {
    if (this.busy) throw new NetlabError('NETLAB_HTTP', 'TimedConnection carries one request at a time');
    this.busy = true;
    const { host, port } = this.options;
    const method = req.method ?? 'GET';
    const path = req.path ?? '/';
    const timer = new TransactionTimer(req.label ?? `${method} ${path}`);
    try {
      let socket = this.socket;
      if (socket && !socket.destroyed && socket.writable) {
        timer.reused(true);
      } else {
        socket = await this.open(timer);
        this.socket = socket;
      }
      timer.detail('remote', `${socket.remoteAddress ?? host}:${socket.remotePort ?? port}`);
      const { head, body, reusable } = await exchange(
        socket,
        timer,
        method,
        this.head(method, path, req),
        req.body,
        this.options.timeoutMs ?? 10_000,
        `${host}:${port}`,
      );
      timer.detail('status', head.status).detail('bytes', body.length);
      const timing = timer.finish();
      if (!reusable) this.close();
      return { timing, head, body };
    } catch (error) {
      this.close();
      throw error;
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private head(method: string, path: string, req: TimedRequest): string {
    const headers: Record<string, string> = {
      host: this.options.hostHeader ?? `${this.options.host}:${this.options.port}`,
      ...req.headers,
    };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    return `${method} ${path} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
  }

  private async open(timer: TransactionTimer): Promise<Socket> {
    const { host, port } = this.options;
    let address = host;
    if (isIP(host)) {
      timer.lookup('literal');
    } else {
      try {
        address = this.options.resolve
          ? await this.options.resolve(host)
          : (await lookup(host, this.options.family ? { family: this.options.family } : {})).address;
      } catch (error) {
        throw new NetlabError('NETLAB_HTTP', `lookup of "${host}" failed: ${(error as Error).message}`, { cause: error });
      }
      timer.mark('dnsDone');
      timer.detail('address', address);
    }
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address, port });
      const timeout = setTimeout(() => {
        socket.destroy();
        reject(new NetlabError('NETLAB_HTTP', `connect to ${address}:${port} timed out after ${this.options.timeoutMs ?? 10_000} ms`));
      }, this.options.timeoutMs ?? 10_000);
      socket.once('connect', () => {
        timer.mark('connected');
        clearTimeout(timeout);
        socket.setNoDelay(true);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timeout);
        reject(new NetlabError('NETLAB_HTTP', `connect to ${address}:${port} failed: ${error.message}`, { cause: error }));
      });
    });
  }
}

function exchange(
  socket: Socket,
  timer: TransactionTimer,
  method: string,
  head: string,
  body: string | Buffer | undefined,
  timeoutMs: number,
  where: string,
): Promise<{ head: MessageHead; body: Buffer; reusable: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let final: MessageHead | undefined;
    let done = false;
    const parser = new HttpParser(
      { type: 'response' },
      {
        onHead: (h) => {
          chunks.length = 0;
          final = h;
        },
        // A view of the socket's chunk: copied, as the parser's contract asks.
        onBody: (chunk) => chunks.push(Buffer.from(chunk)),
        onComplete: () => {
          // An interim 1xx (100 Continue, 103 Early Hints) is not the answer: read on.
          if (final!.status < 200 && final!.framing !== 'upgrade') return;
          done = true;
          // Bytes after the response are not ours to parse (nor to fail on).
          parser.pause();
        },
      },
    );
    parser.expectResponseTo(method);
    let gotFirst = false;
    const cleanup = (): void => {
      clearTimeout(timeout);
      socket.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const complete = (): void => {
      timer.mark('lastByte');
      cleanup();
      resolve({ head: final!, body: Buffer.concat(chunks), reusable: final!.keepAlive });
    };
    const fail = (message: string, cause?: unknown): void => {
      cleanup();
      reject(new NetlabError('NETLAB_HTTP', `${where}: ${message}`, { cause }));
    };
    // Parse, and mark lastByte as soon as the response's last byte has been read.
    const parse = (feed: () => void): void => {
      try {
        feed();
      } catch (error) {
        fail((error as Error).message, error);
        return;
      }
      if (done) complete();
    };
    const onData = (chunk: Buffer): void => {
      if (!gotFirst) {
        gotFirst = true;
        timer.mark('firstByte');
      }
      parse(() => parser.execute(chunk));
    };
    // EOF ends a read-until-close body; a response cut short is HTTP_PARSE_INCOMPLETE.
    const onEnd = (): void =>
      parse(() => {
        parser.finish();
        if (!done) throw new Error('connection ended before a response arrived');
      });
    const onError = (error: Error): void => fail(error.message, error);
    const onClose = (): void => fail('connection closed before the response was complete');
    const timeout = setTimeout(() => fail(`no complete response within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    const payload = body === undefined ? head : Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]);
    // The write callback runs once the bytes are handed to the kernel: "request written".
    socket.write(payload, (error) => {
      if (error) return;
      if (!gotFirst) timer.mark('requestWritten');
    });
  });
}

/**
 * Time one request on a fresh connection and close it: the curl -w view.
 *
 * @example
 * const { timing } = await timeRequest({ host: 'localhost', port }, { path: '/' });
 * console.log(timing.phases.connect, timing.phases.wait);
 */
export async function timeRequest(options: TimedConnectionOptions, req: TimedRequest = {}): Promise<TimedResponse> {
  const conn = new TimedConnection(options);
  try {
    return await conn.request(req);
  } finally {
    conn.close();
  }
}
