// The request a handler receives.
import { Readable } from 'node:stream';
import { getHeader, headerMap } from '../shared/headers.js';
import type { MessageHead } from '../parser/parser.js';

const NO_TRAILERS = Object.freeze([]) as unknown as string[]; // shared until the parser hands over real trailers

/** The connection a request came on, as the request sees it. */
export interface RequestPeer {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/**
 * A parsed request. The body is either buffered (`body`, when it fitted in
 * the server's `bodyBufferSize`) or streamed (`stream`); {@link readBody}
 * works for both.
 *
 * @example
 * ```ts
 * createServer((req) => ({ body: `${req.method} ${req.target} HTTP/${req.version} host=${req.header('host') ?? ''}\n` }));
 * ```
 */
export class HttpRequest {
  readonly method: string;
  /** The request-target exactly as received ("/a?b", "*", "http://h/x", "h:443"). */
  readonly target: string;
  /** "1.1" or "1.0" (or "1.2" etc. as received; treated as 1.1). */
  readonly version: string;
  /** Header fields in order as a flat `[name, value, ...]` list; names as sent, values trimmed. */
  readonly rawHeaders: string[];
  /** Trailer fields (chunked requests), flat like rawHeaders; filled when the body is complete. */
  trailers: string[] = NO_TRAILERS;
  /** The whole body when buffered; null while it is streamed through `stream`. */
  body: Buffer | null = null;
  /** The body as a stream when it was larger than `bodyBufferSize`. */
  stream: Readable | null = null;
  /** Whether the client asked to keep the connection open (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
  /** Id of the connection (as in `server.connections()`). */
  readonly connectionId: number;
  /** 1 for the first request on the connection, 2 for the next, ... */
  readonly index: number;
  /** The parsed head (framing, connection tokens, expect-continue, ...). */
  readonly head: MessageHead;
  private map: Map<string, string> | null = null;
  private readonly peer: RequestPeer;

  constructor(head: MessageHead, index: number, connection: RequestPeer) {
    this.head = head;
    this.method = head.method;
    this.target = head.target;
    this.version = head.versionMinor === 1 ? '1.1' : head.versionMinor === 0 ? '1.0' : `1.${head.versionMinor}`;
    this.rawHeaders = head.rawHeaders;
    this.keepAlive = head.keepAlive;
    this.connectionId = connection.id;
    this.index = index;
    this.peer = connection;
  }

  /** The client's address (asked of the kernel on first use, once per connection). */
  get remoteAddress(): string {
    return this.peer.remoteAddress;
  }

  get remotePort(): number {
    return this.peer.remotePort;
  }

  /** Alias of `target`, for readers used to node:http. */
  get url(): string {
    return this.target;
  }

  /**
   * The authority the request is for (RFC 9112 §3.2, §3.3): the target's own for
   * absolute-form (userinfo dropped; it wins over Host, §3.2.2) and for
   * CONNECT's authority-form, else the Host field. '' when there is none.
   */
  get authority(): string {
    const t = this.target;
    if (this.method === 'CONNECT') return t;
    const scheme = t.charCodeAt(0) === 0x2f || t === '*' ? -1 : t.indexOf('://');
    if (scheme > 0) {
      let end = t.length;
      for (let i = scheme + 3; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (c === 0x2f || c === 0x3f || c === 0x23) {
          end = i;
          break;
        }
      }
      const authority = t.slice(scheme + 3, end);
      return authority.slice(authority.lastIndexOf('@') + 1);
    }
    return this.header('host') ?? '';
  }

  /** Value of a header (any case), repeated fields joined with ", ". */
  header(name: string): string | undefined {
    return this.map ? this.map.get(name.toLowerCase()) : getHeader(this.rawHeaders, name);
  }

  /** All headers by lower-cased name, repeated fields joined with ", " in order received. */
  headers(): Map<string, string> {
    this.map ??= headerMap(this.rawHeaders);
    return this.map;
  }
}

/**
 * The whole body of a request, buffered or streamed.
 *
 * @example
 * ```ts
 * const server = createServer(async (req) => ({ body: await readBody(req) }));
 * ```
 */
export async function readBody(req: HttpRequest): Promise<Buffer> {
  if (req.body) return req.body;
  if (!req.stream) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for await (const chunk of req.stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** A Readable fed by the connection, with read() resuming a paused socket. */
export class BodyStream extends Readable {
  private readonly onWant: () => void;
  constructor(onWant: () => void) {
    super();
    this.onWant = onWant;
  }
  override _read(): void {
    this.onWant();
  }
}
