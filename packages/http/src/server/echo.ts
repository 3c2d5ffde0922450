// The echo handler: the conformance contract of the HTTP echo app.
import type { Handler } from './connection.js';
import { headerMap } from '../shared/headers.js';
import { readBody } from './request.js';
import type { HttpRequest } from './request.js';

/**
 * A JSON string the way Python's json.dumps writes it (ensure_ascii): the
 * short escapes for " \ \n \r \t \b \f and \u00XX (lower-case hex) for every
 * other byte outside 0x20-0x7E. Input strings are latin1, so no char is above 0xFF.
 *
 * @example
 * ```ts
 * jsonString('caf\xe9 "x"'); // '"caf\\u00e9 \\"x\\""'
 * ```
 */
export function jsonString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(from, i);
    from = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      default:
        out += `\\u${c.toString(16).padStart(4, '0')}`;
    }
  }
  return `${out}${s.slice(from)}"`;
}

function jsonObject(map: ReadonlyMap<string, string>): string {
  const items: string[] = [];
  for (const [k, v] of map) items.push(`${jsonString(k)}: ${jsonString(v)}`);
  return `{${items.join(', ')}}`;
}

/**
 * The echo document for a request:
 * `{"method": "...", "url": "...", "version": "1.1", "headers": {...}, "trailers": {...}, "body": "..."}`
 * with the body's bytes mapped one-to-one to characters (latin1).
 *
 * @example
 * ```ts
 * createServer(async (req) => ({ body: echoDocument(req, await readBody(req)) }));
 * ```
 */
export function echoDocument(req: HttpRequest, body: Buffer): string {
  return (
    `{"method": ${jsonString(req.method)}, "url": ${jsonString(req.target)}, "version": ${jsonString(req.version)}, ` +
    `"headers": ${jsonObject(headerMap(req.rawHeaders))}, "trailers": ${jsonObject(headerMap(req.trailers))}, ` +
    `"body": ${jsonString(body.toString('latin1'))}}`
  );
}

/**
 * Answers every request with 200 and a JSON description of it (method, target
 * as received, version, headers, trailers, body). HEAD gets the same head
 * without the body.
 *
 * @example
 * ```ts
 * const server = createServer(echoHandler);
 * await server.listen(8080);
 * ```
 */
export const echoHandler: Handler = async (req) => {
  const body = await readBody(req);
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: echoDocument(req, body) };
};
