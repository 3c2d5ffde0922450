// A tiny raw origin server for the proxy tests: HTTP/1.0 keep-alive rules as
// old servers applied them, written on net so a test controls every byte.
import { listenLoopback } from '@connlab/lab';

export interface OriginRequest {
  head: string;
  /** Lower-cased name → value; repeated names joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
}

export interface Origin {
  port: number;
  requests: OriginRequest[];
  close: () => Promise<void>;
}

export interface OriginOptions {
  /** Extra raw header lines for every response (e.g. to test stripping). */
  extraHeaders?: string[];
  /** Answer with a close-delimited body (no Content-Length) and close. */
  closeDelimited?: boolean;
  /** Answer HTTP/1.1 requests with a chunked body. */
  chunked?: boolean;
}

function parseHead(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).toLowerCase();
    const value = line.slice(i + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name) ?? ''}, ${value}` : value);
  }
  return headers;
}

/**
 * Persistent when the request is HTTP/1.1 without `Connection: close`, or
 * HTTP/1.0 with `Connection: keep-alive` (echoed back). Never closes an idle
 * connection by itself: that is what makes the dumb-proxy hang visible.
 */
export async function startOrigin(options: OriginOptions = {}): Promise<Origin> {
  const requests: OriginRequest[] = [];
  const server = await listenLoopback((socket) => {
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const headers = parseHead(head);
        const length = Number(headers.get('content-length') ?? '0');
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        requests.push({ head, headers, body });
        const http10 = head.split('\r\n')[0]!.endsWith('HTTP/1.0');
        const tokens = (headers.get('connection') ?? '')
          .toLowerCase()
          .split(',')
          .map((t) => t.trim());
        const persist = !options.closeDelimited && (http10 ? tokens.includes('keep-alive') : !tokens.includes('close'));
        const payload = `request ${requests.length}: ${head.split('\r\n')[0] ?? ''}\n`;
        const lines = [`${http10 ? 'HTTP/1.0' : 'HTTP/1.1'} 200 OK`, 'Content-Type: text/plain', ...(options.extraHeaders ?? [])];
        const chunked = options.chunked === true && !http10 && !options.closeDelimited;
        if (chunked) lines.push('Transfer-Encoding: chunked');
        else if (!options.closeDelimited) lines.push(`Content-Length: ${Buffer.byteLength(payload)}`);
        if (persist && http10) lines.push('Connection: keep-alive', 'Keep-Alive: timeout=30, max=100');
        if (!persist && !http10) lines.push('Connection: close');
        const wire = chunked ? `${Buffer.byteLength(payload).toString(16)}\r\n${payload}\r\n0\r\n\r\n` : payload;
        socket.write(`${lines.join('\r\n')}\r\n\r\n${wire}`);
        if (!persist) {
          socket.end();
          return;
        }
      }
    });
  });
  return { port: server.port, requests, close: server.close };
}
