// An HTTP-aware proxy: it parses each message, removes the hop-by-hop fields,
// keeps persistence separately on each side, re-frames bodies, and adds Via.
//
// Client side: requests are parsed with @connlab/http's parser and answered
// in order. Persistence is this hop's own: HTTP/1.1 unless `Connection:
// close`; never with an HTTP/1.0 client, whatever it asks (`Connection:
// keep-alive` or Netscape's `Proxy-Connection: keep-alive`): RFC 9112 §9.3,
// "A proxy server MUST NOT maintain a persistent connection with an HTTP/1.0
// client". Server side: @connlab/http's client with its own pool.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpClient, HttpClientError, HttpParseError, HttpParser, headerPairs } from '@connlab/http';
import type { ClientOptions, ClientResponse, MessageHead } from '@connlab/http';
import type { Upstream } from './blind-relay.js';
import { ProxyError } from './errors.js';
import { Listener } from './listener.js';
import { stripHopByHop } from './hop-by-hop.js';
import type { HeaderPair } from './hop-by-hop.js';

export interface HttpProxyOptions {
  /** Send every request here (a reverse proxy). Without it, the absolute-form target or Host decides. */
  upstream?: Upstream;
  /** The name this proxy adds to Via (RFC 9110 §7.6.3). Default "connlab". */
  via?: string;
  /** Idle time allowed on a persistent client connection before the proxy closes it. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** After closing its side of a client connection, drain input this long before dropping it. Default 1000. */
  lingerMs?: number;
  /** Settings of the upstream client (pool size, keep-alive handling). */
  client?: ClientOptions;
  /** Upstream response limit; a slower server gets a 504. Default 30000. */
  upstreamTimeoutMs?: number;
}

/** One request the proxy handled, with what it removed on each side. */
export interface ProxyExchange {
  clientConnection: number;
  /** 1-based index on the client connection. */
  index: number;
  method: string;
  target: string;
  clientVersion: string;
  /** Hop-by-hop fields removed from the request / the response. */
  removedFromRequest: HeaderPair[];
  removedFromResponse: HeaderPair[];
  /** Fields actually sent upstream. */
  forwardedHeaders: HeaderPair[];
  status: number;
  /** Did the client hop stay open after this response? */
  clientKeepAlive: boolean;
  /** The client asked with Proxy-Connection (the Netscape workaround). */
  viaProxyConnection: boolean;
  upstreamConnection: number | undefined;
  upstreamReused: boolean;
  error?: string;
}

interface ProxyEvents {
  exchange: [exchange: ProxyExchange];
}

const CRLF = '\r\n';

function statusText(status: number, reason: string): string {
  return reason === '' ? String(status) : `${status} ${reason}`;
}

/**
 * A proxy that understands HTTP connection management.
 *
 * @example
 * const proxy = new HttpProxy({ upstream: { host: '127.0.0.1', port: 8080 } });
 * const { port } = await proxy.listen();
 * // an HTTP/1.0 client sending Proxy-Connection: keep-alive gets a kept-alive connection
 * await proxy.close();
 */
export class HttpProxy extends EventEmitter<ProxyEvents> {
  readonly client: HttpClient;
  private readonly options: Required<Omit<HttpProxyOptions, 'upstream' | 'client'>> & Pick<HttpProxyOptions, 'upstream'>;
  private readonly listener: Listener;
  private readonly log: ProxyExchange[] = [];
  private nextId = 1;

  constructor(options: HttpProxyOptions = {}) {
    super();
    this.options = {
      via: options.via ?? 'connlab',
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5000,
      lingerMs: options.lingerMs ?? 1000,
      upstreamTimeoutMs: options.upstreamTimeoutMs ?? 30_000,
      ...(options.upstream ? { upstream: options.upstream } : {}),
    };
    this.client = new HttpClient(options.client ?? {});
    this.listener = new Listener((socket) => this.serve(socket));
  }

  /** Listen on 127.0.0.1 (port 0 by default) and resolve with the bound address. */
  listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    return this.listener.listen(port, host);
  }

  /** Every exchange so far, oldest first. */
  exchanges(): readonly ProxyExchange[] {
    return this.log;
  }

  /** Stop accepting, drop client connections and close the upstream pool. */
  async close(): Promise<void> {
    await Promise.all([this.listener.close(), this.client.close()]);
  }

  private serve(socket: net.Socket): void {
    const id = this.nextId++;
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    let index = 0;
    let outstanding = 0; // requests received and not yet answered
    let closing = false;
    let idle: NodeJS.Timeout | undefined;
    // Requests are answered one after another, in the order they came (pipelining included).
    let chain: Promise<void> = Promise.resolve();
    let head: MessageHead | undefined;
    let body: Buffer[] = [];

    const closeGracefully = (): void => {
      if (closing) return;
      closing = true;
      clearTimeout(idle);
      socket.end(); // FIN after the last response; keep reading so no RST destroys it
      const linger = setTimeout(() => socket.destroy(), this.options.lingerMs);
      linger.unref();
      socket.once('end', () => {
        clearTimeout(linger);
        socket.destroy();
      });
    };
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(closeGracefully, this.options.keepAliveTimeoutMs);
      idle.unref();
    };

    const parser = new HttpParser(
      { type: 'request' },
      {
        onHead: (h) => {
          head = h;
          body = [];
          clearTimeout(idle);
          if (h.expectContinue && h.versionMinor >= 1) socket.write(`HTTP/1.1 100 Continue${CRLF}${CRLF}`);
        },
        onBody: (chunk) => {
          body.push(Buffer.from(chunk));
        },
        onComplete: () => {
          const request = head!;
          const requestBody = Buffer.concat(body);
          const n = ++index;
          outstanding++;
          const keepAlive = clientWantsPersistence(request);
          if (!keepAlive) parser.pause(); // nothing after a request that ends the connection
          chain = chain.then(async () => {
            if (socket.destroyed) return;
            const answer = await this.forward(id, n, request, requestBody, keepAlive);
            outstanding--;
            socket.write(answer);
            if (!keepAlive) closeGracefully();
            else if (outstanding === 0) armIdle();
          });
        },
      },
    );
    socket.on('data', (chunk: Buffer) => {
      if (closing) return; // draining after our FIN
      try {
        parser.execute(chunk);
      } catch (error) {
        const status = error instanceof HttpParseError ? error.status : 400;
        chain = chain.then(() => {
          socket.write(
            `HTTP/1.1 ${status} Bad Request${CRLF}Connection: close${CRLF}Content-Length: 0${CRLF}Via: 1.1 ${this.options.via}${CRLF}${CRLF}`,
          );
          closeGracefully();
        });
      }
    });
    socket.on('end', () => {
      if (!closing) closeGracefully();
    });
    socket.on('close', () => {
      clearTimeout(idle);
    });
    armIdle();
  }

  /** Forward one request and build the bytes of the answer for the client hop. */
  private async forward(clientConnection: number, index: number, request: MessageHead, body: Buffer, keepAlive: boolean): Promise<Buffer> {
    const received = headerPairs(request.rawHeaders);
    const stripped = stripHopByHop(received);
    const viaProxyConnection = stripped.proxyConnection.includes('keep-alive');
    const clientVersion = `${request.versionMajor}.${request.versionMinor}`;
    const exchange: ProxyExchange = {
      clientConnection,
      index,
      method: request.method,
      target: request.target,
      clientVersion,
      removedFromRequest: stripped.removed,
      removedFromResponse: [],
      forwardedHeaders: [],
      status: 0,
      clientKeepAlive: keepAlive,
      viaProxyConnection,
      upstreamConnection: undefined,
      upstreamReused: false,
    };
    let response: ClientResponse | undefined;
    let status = 502;
    let reason = 'Bad Gateway';
    let errorText = '';
    try {
      const { origin, path } = this.route(request);
      const headers: [string, string][] = stripped.kept
        .filter(([n]) => n.toLowerCase() !== 'expect' && n.toLowerCase() !== 'content-length')
        .map(([n, v]) => [n, v]);
      headers.push(['Via', appendVia(received, `${clientVersion} ${this.options.via}`)]);
      // The book: a smart proxy replaces the meaningless Proxy-Connection with a real Connection header.
      if (viaProxyConnection) headers.push(['Connection', 'keep-alive']);
      exchange.forwardedHeaders = dedupeVia(headers);
      response = await this.client.request({
        origin,
        method: request.method,
        path,
        headers: exchange.forwardedHeaders,
        ...(body.length > 0 || request.framing !== 'none' ? { body } : {}),
        responseTimeoutMs: this.options.upstreamTimeoutMs,
      });
    } catch (error) {
      if (error instanceof HttpClientError && error.code === 'HTTP_CLIENT_TIMEOUT') {
        status = 504;
        reason = 'Gateway Timeout';
      }
      errorText = error instanceof Error ? error.message : String(error);
      exchange.error = errorText;
    }
    const lines: string[] = [];
    let payload: Buffer = Buffer.from(errorText ? `${errorText}\n` : '');
    if (response) {
      status = response.status;
      reason = response.reason;
      exchange.upstreamConnection = response.connectionId;
      exchange.upstreamReused = response.reused;
      const back = stripHopByHop(response.headers);
      exchange.removedFromResponse = back.removed;
      const bodiless = request.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
      for (const [n, v] of back.kept) {
        // Re-frame: our Content-Length replaces whatever framing the server used.
        if (!bodiless && n.toLowerCase() === 'content-length') continue;
        if (n.toLowerCase() === 'via') continue;
        lines.push(`${n}: ${v}`);
      }
      lines.push(`Via: ${appendVia(response.headers, `${response.version} ${this.options.via}`)}`);
      payload = bodiless ? Buffer.alloc(0) : response.body;
      if (!bodiless) lines.push(`Content-Length: ${payload.length}`);
    } else {
      lines.push('Content-Type: text/plain', `Content-Length: ${payload.length}`, `Via: 1.1 ${this.options.via}`);
    }
    // This hop's persistence, decided here and only here.
    if (!keepAlive) lines.push('Connection: close');
    else if (request.versionMinor === 0)
      lines.push('Connection: keep-alive', `Keep-Alive: timeout=${Math.floor(this.options.keepAliveTimeoutMs / 1000)}`);
    exchange.status = status;
    this.log.push(exchange);
    this.emit('exchange', exchange);
    const head = `HTTP/1.1 ${statusText(status, reason)}${CRLF}${lines.join(CRLF)}${CRLF}${CRLF}`;
    return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
  }

  private route(request: MessageHead): { origin: string | Upstream; path: string } {
    const target = request.target;
    if (/^http:\/\//i.test(target)) {
      const url = new URL(target);
      const path = `${url.pathname}${url.search}`;
      return { origin: this.options.upstream ?? `http://${url.host}`, path };
    }
    if (this.options.upstream) return { origin: this.options.upstream, path: target };
    const host = headerPairs(request.rawHeaders).find(([n]) => n.toLowerCase() === 'host')?.[1];
    if (!host)
      throw new ProxyError(
        'PROXY_BAD_REQUEST',
        `proxy: ${request.method} ${target} has no absolute-form target and no Host, so there is nowhere to send it`,
      );
    return { origin: `http://${host}`, path: target };
  }
}

/**
 * Does this hop stay open after the response? HTTP/1.1 unless close; an
 * HTTP/1.0 client never (RFC 9112 §9.3): its Keep-Alive may have come
 * through a blind relay that would then hang, the failure lesson 10 shows.
 */
function clientWantsPersistence(head: MessageHead): boolean {
  if (head.connection.includes('close')) return false;
  return head.versionMinor >= 1;
}

/** Existing Via values plus ours (RFC 9110 §7.6.3: each proxy appends). */
function appendVia(headers: readonly HeaderPair[], ours: string): string {
  const existing = headers.filter(([n]) => n.toLowerCase() === 'via').map(([, v]) => v);
  return [...existing, ours].join(', ');
}

function dedupeVia(headers: [string, string][]): [string, string][] {
  // The appended Via replaces the incoming Via fields (their values are inside it).
  const last = headers.findLastIndex(([n]) => n.toLowerCase() === 'via');
  return headers.filter(([n], i) => n.toLowerCase() !== 'via' || i === last);
}
