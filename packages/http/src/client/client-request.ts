// What a caller asks for, checked and turned into the bytes of a request.
import { HttpClientError } from './client-errors.js';
import { fieldTokens } from './client-keep-alive.js';
import { isFieldValue, isToken } from '../shared/tokens.js';

/** Where requests go: `http://host:port` or the parts. Only plain HTTP. */
export type OriginInput = string | URL | { host: string; port: number };

/** A parsed origin: the pool key and what `net.connect` needs. */
export interface Origin {
  host: string;
  port: number;
  /** `host:port`, the pool key and the default Host field. */
  key: string;
}

/** Header fields as ordered pairs or a plain object. */
export type HeadersInput = readonly (readonly [string, string])[] | Readonly<Record<string, string>>;

/** One request as the caller describes it. */
export interface RequestOptions {
  origin: OriginInput;
  /** Default GET. */
  method?: string;
  /** Request-target in origin-form (or absolute-form for a proxy); default '/'. */
  path?: string;
  headers?: HeadersInput;
  body?: string | Buffer;
  /** Default '1.1'. An HTTP/1.0 request is persistent only when it asks (see keepAlive). */
  version?: '1.1' | '1.0';
  /**
   * HTTP/1.0 only: send `Connection: keep-alive` (default true). Ignored when
   * the caller sets Connection or Proxy-Connection itself.
   */
  keepAlive?: boolean;
  /** Reject with HTTP_CLIENT_TIMEOUT when the response is not complete this long after sending. */
  responseTimeoutMs?: number;
}

/**
 * Parse an origin; throws HTTP_CLIENT_INVALID_REQUEST for anything but http://host:port.
 *
 * @example
 * parseOrigin('http://127.0.0.1:8080')             // { host: '127.0.0.1', port: 8080, key: '127.0.0.1:8080' }
 * parseOrigin({ host: '::1', port: 8080 }).key      // '[::1]:8080'
 */
export function parseOrigin(input: OriginInput): Origin {
  if (typeof input === 'object' && !(input instanceof URL)) {
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) {
      throw new HttpClientError('HTTP_CLIENT_INVALID_REQUEST', `origin port must be 1-65535, got ${input.port}`);
    }
    return { host: input.host, port: input.port, key: `${input.host.includes(':') ? `[${input.host}]` : input.host}:${input.port}` };
  }
  let url: URL;
  try {
    url = input instanceof URL ? input : new URL(input);
  } catch {
    throw new HttpClientError('HTTP_CLIENT_INVALID_REQUEST', `origin "${String(input)}" is not a URL like http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:') throw new HttpClientError('HTTP_CLIENT_INVALID_REQUEST', `origin "${url.href}": only http: is supported`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 80 : Number(url.port);
  return { host, port, key: `${url.hostname}:${port}` };
}

function headerPairs(input: HeadersInput | undefined): [string, string][] {
  if (input === undefined) return [];
  if (Array.isArray(input)) return (input as readonly (readonly [string, string])[]).map(([n, v]) => [n, v]);
  return Object.entries(input as Record<string, string>);
}

/** A request ready to write, with what the connection needs to know about it. */
export interface PreparedRequest {
  method: string;
  path: string;
  version: '1.1' | '1.0';
  headers: [string, string][];
  bytes: Buffer;
  /** The request itself asks the connection to end after it (RFC 9112 §9.3). */
  asksClose: boolean;
}

/**
 * Validate and serialize. Adds Host, Content-Length for a body (and 0 for
 * POST/PUT/PATCH without one), and `Connection: keep-alive` on HTTP/1.0.
 *
 * @example
 * prepareRequest({ origin: 'http://127.0.0.1:8080', path: '/a' }, parseOrigin('http://127.0.0.1:8080')).bytes.toString()
 * // 'GET /a HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n'
 */
export function prepareRequest(options: RequestOptions, origin: Origin): PreparedRequest {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/';
  const version = options.version ?? '1.1';
  const where = `${method} ${path} to ${origin.key}`;
  if (!isToken(method)) throw new HttpClientError('HTTP_CLIENT_INVALID_REQUEST', `${where}: method is not a token`);
  if (!/^[\x21-\x7e]+$/.test(path))
    throw new HttpClientError('HTTP_CLIENT_INVALID_REQUEST', `${where}: path must be visible ASCII without spaces`);
  const headers = headerPairs(options.headers);
  for (const [name, value] of headers) {
    if (!isToken(name)) throw new HttpClientError('HTTP_CLIENT_INVALID_REQUEST', `${where}: header name "${name}" is not a token`);
    if (!isFieldValue(value))
      throw new HttpClientError('HTTP_CLIENT_INVALID_REQUEST', `${where}: header ${name} has a CR, LF or control character`);
    if (name.toLowerCase() === 'transfer-encoding')
      throw new HttpClientError(
        'HTTP_CLIENT_INVALID_REQUEST',
        `${where}: the client frames bodies with Content-Length; do not set Transfer-Encoding`,
      );
  }
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  const out: [string, string][] = [];
  if (!has('host')) out.push(['Host', origin.key]);
  out.push(...headers);
  const given = headers.find(([n]) => n.toLowerCase() === 'content-length');
  const length = body?.length ?? 0;
  if (given) {
    if (given[1].trim() !== String(length)) {
      throw new HttpClientError(
        'HTTP_CLIENT_INVALID_REQUEST',
        `${where}: Content-Length ${given[1]} does not match the body's ${length} bytes`,
      );
    }
  } else if (body !== undefined || method === 'POST' || method === 'PUT' || method === 'PATCH') {
    out.push(['Content-Length', String(length)]);
  }
  if (version === '1.0' && !has('connection') && !has('proxy-connection') && (options.keepAlive ?? true)) {
    out.push(['Connection', 'keep-alive']);
  }
  const connection = fieldTokens(out, 'connection');
  const wantsPersistence =
    version === '1.1'
      ? !connection.includes('close')
      : connection.includes('keep-alive') || fieldTokens(out, 'proxy-connection').includes('keep-alive');
  const head = `${method} ${path} HTTP/${version}\r\n${out.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  const headBytes = Buffer.from(head, 'latin1');
  return {
    method,
    path,
    version,
    headers: out,
    bytes: body && body.length > 0 ? Buffer.concat([headBytes, body]) : headBytes,
    asksClose: !wantsPersistence,
  };
}
