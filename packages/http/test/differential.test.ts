// Differential test: the same valid requests, parsed by node:http (llhttp) and
// by this server, give the same method, target, header lines, body and trailers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer } from '../src/server/server.js';
import type { HttpServer } from '../src/server/server.js';
import { readBody } from '../src/server/request.js';
import { connect, destroyClients, waitResponses } from './harness.js';

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
  trailers: string[];
}

// A holder object: TypeScript does not see assignments made inside the servers' callbacks.
const seen: { node: Seen | null; ours: Seen | null } = { node: null, ours: null };
let nodeServer: http.Server;
let ours: HttpServer;
let nodePort = 0;
let oursPort = 0;

beforeAll(async () => {
  nodeServer = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.node = {
        method: req.method!,
        url: req.url!,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(parts).toString('latin1'),
        trailers: req.rawTrailers,
      };
      res.end('ok');
    });
  });
  await new Promise<void>((r) => nodeServer.listen(0, '127.0.0.1', r));
  nodePort = (nodeServer.address() as AddressInfo).port;
  ours = createServer(async (req) => {
    const body = await readBody(req);
    seen.ours = { method: req.method, url: req.target, rawHeaders: req.rawHeaders, body: body.toString('latin1'), trailers: req.trailers };
    return { body: 'ok' };
  });
  oursPort = (await ours.listen(0)).port;
});

function reset(): void {
  seen.node = null;
  seen.ours = null;
}

afterAll(async () => {
  destroyClients();
  nodeServer.closeAllConnections();
  await new Promise((r) => nodeServer.close(r));
  await ours.close({ graceMs: 100 });
});

async function send(port: number, bytes: Buffer): Promise<void> {
  const c = await connect(port);
  await c.send(bytes);
  await waitResponses(c, 1);
  c.destroy();
}

const RESERVED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'expect',
  'upgrade',
  'keep-alive',
  'te',
  'trailer',
  'proxy-connection',
]);
const tchar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".split(''));
const name = fc
  .array(tchar, { minLength: 1, maxLength: 12 })
  .map((a) => a.join(''))
  .filter((n) => !RESERVED.has(n.toLowerCase()));
const vchar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const value = fc
  .array(fc.oneof({ weight: 6, arbitrary: vchar }, { weight: 1, arbitrary: fc.constant(' ') }), { maxLength: 20 })
  .map((a) => a.join('').trim());
const pchar = fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@".split(''), '%20', '%41');
const target = fc
  .tuple(
    fc.array(
      fc.array(pchar, { maxLength: 6 }).map((a) => a.join('')),
      { minLength: 1, maxLength: 4 },
    ),
    fc.option(fc.array(fc.oneof(pchar, fc.constantFrom('/', '?')), { maxLength: 8 })),
  )
  .map(([segments, query]) => `/${segments.join('/')}${query === null ? '' : `?${query.join('')}`}`);

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  target,
  headers: fc.array(fc.tuple(name, value, fc.constantFrom('', ' ', '\t', '  ')), { maxLength: 6 }),
  body: fc.uint8Array({ maxLength: 300 }),
  chunked: fc.boolean(),
  chunkSize: fc.integer({ min: 1, max: 64 }),
  trailers: fc.array(fc.tuple(name, value), { maxLength: 2 }),
});

type GeneratedRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function serialize(r: GeneratedRequest): Buffer {
  let head = `${r.method} ${r.target} HTTP/1.1\r\nHost: example.test\r\n`;
  for (const [n, v, ows] of r.headers) head += `${n}:${ows}${v}${ows}\r\n`;
  const body = Buffer.from(r.body);
  if (!r.chunked) {
    if (body.length > 0) head += `Content-Length: ${body.length}\r\n`;
    return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
  }
  head += 'Transfer-Encoding: chunked\r\n\r\n';
  const parts: Buffer[] = [Buffer.from(head, 'latin1')];
  for (let i = 0; i < body.length; i += r.chunkSize) {
    const c = body.subarray(i, i + r.chunkSize);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0\r\n${r.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1'));
  return Buffer.concat(parts);
}

it('parses valid requests exactly as node:http does', async () => {
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const bytes = serialize(r);
      reset();
      await send(nodePort, bytes);
      await send(oursPort, bytes);
      expect(seen.node?.method).toBe(r.method);
      expect(seen.ours).toEqual(seen.node);
    }),
    { numRuns: 120 },
  );
});
