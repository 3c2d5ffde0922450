import { afterEach, describe, expect, it } from 'vitest';
import { Wire } from '@connlab/lab';
import { parseMessages } from '@connlab/http';
import type { ParsedMessage } from '@connlab/http';
import { startOrigin } from '../test/origin.js';
import type { Origin, OriginOptions } from '../test/origin.js';
import { hopByHopTable } from '../test/hop-by-hop-table.js';
import { HttpProxy } from './http-proxy.js';

function responses(text: string, methods: string[] = []): ParsedMessage[] {
  return parseMessages({ type: 'response' }, [Buffer.from(text, 'latin1')], { methods }).messages;
}
const names = (m: ParsedMessage): string[] => m.head.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());

describe('HttpProxy (the smart proxy)', () => {
  let origin: Origin | undefined;
  let proxy: HttpProxy | undefined;
  let client: Wire | undefined;
  afterEach(async () => {
    client?.destroy();
    await proxy?.close();
    await origin?.close();
    client = proxy = origin = undefined;
  });

  async function setup(options: OriginOptions = {}): Promise<{ o: Origin; p: HttpProxy; c: Wire }> {
    const o = (origin = await startOrigin(options));
    const p = (proxy = new HttpProxy({ upstream: { host: '127.0.0.1', port: o.port } }));
    const { port } = await p.listen();
    const c = (client = await Wire.connect(port));
    return { o, p, c };
  }

  it('strips every hop-by-hop request field of the table (and those named in Connection), keeps the rest, adds Via', async () => {
    const { o, p, c } = await setup();
    const fields = hopByHopTable.map(([n, v]) => `${n}: ${v}\r\n`).join('');
    // The table has Transfer-Encoding: chunked, so the body is chunked; the proxy re-frames it.
    await c.send(`POST /t HTTP/1.1\r\n${fields}\r\n5\r\nhello\r\n0\r\n\r\n`);
    await c.until('the first response', () => c.text().includes('request 1'), 3000);
    const seen = o.requests[0]!;
    for (const [name, , stripped] of hopByHopTable) {
      if (name === 'Connection') continue; // the proxy sends its own, below
      expect([name, seen.headers.has(name.toLowerCase())]).toEqual([name, !stripped]);
    }
    // Not the client's "keep-alive, X-Hop": the proxy's own, because the client used Proxy-Connection.
    expect(seen.headers.get('connection')).toBe('keep-alive');
    expect(seen.headers.get('via')).toBe('1.1 connlab');
    expect(seen.headers.get('content-length')).toBe('5');
    expect(seen.body.toString()).toBe('hello');
    expect(p.exchanges()[0]?.removedFromRequest.map(([n]) => n)).toEqual(hopByHopTable.filter((r) => r[2]).map(([n]) => n));
  });

  it('strips hop-by-hop response fields, re-frames a chunked body with Content-Length, and adds Via', async () => {
    const extra = [
      'Connection: X-Hop-R',
      'X-Hop-R: 1',
      'Keep-Alive: timeout=9',
      'Proxy-Authenticate: Basic',
      'Upgrade: h2c',
      'Trailer: X-Sum',
      'Proxy-Connection: keep-alive',
      'X-Kept: yes',
    ];
    const { c } = await setup({ extraHeaders: extra, chunked: true });
    await c.send('GET /r HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.until('one response', () => responses(c.text()).length === 1, 3000);
    const r = responses(c.text())[0]!;
    expect(names(r)).not.toEqual(expect.arrayContaining(['connection']));
    for (const n of ['x-hop-r', 'keep-alive', 'proxy-authenticate', 'upgrade', 'trailer', 'proxy-connection', 'transfer-encoding'])
      expect(names(r)).not.toContain(n);
    expect(names(r)).toContain('x-kept');
    expect(r.head.framing).toBe('length');
    expect(r.body.toString()).toMatch(/^request 1: GET \/r HTTP\/1.1/);
    expect(r.head.rawHeaders).toEqual(expect.arrayContaining(['Via', '1.1 connlab']));
  });

  it('does not keep an HTTP/1.0 client connection that asked for keep-alive (RFC 9112 §9.3): Connection: close and a FIN, no hang', async () => {
    const { o, p, c } = await setup();
    await c.send('GET /a HTTP/1.0\r\nHost: x\r\nConnection: Keep-Alive\r\n\r\n');
    await c.ended(3000);
    expect(responses(c.text())).toHaveLength(1);
    expect(responses(c.text())[0]!.head.connection).toEqual(['close']);
    // The server saw neither Connection: Keep-Alive nor Keep-Alive: the proxy owns that hop.
    expect(o.requests.map((r) => r.headers.get('connection'))).toEqual([undefined]);
    expect(p.exchanges().map((e) => e.clientKeepAlive)).toEqual([false]);
  });

  it('reads Proxy-Connection: keep-alive from an old client, sends Connection: keep-alive upstream instead, and still closes the 1.0 client hop', async () => {
    const { o, p, c } = await setup();
    await c.send('GET /a HTTP/1.0\r\nHost: x\r\nProxy-Connection: keep-alive\r\n\r\n');
    await c.ended(3000);
    expect(responses(c.text())[0]!.head.connection).toEqual(['close']);
    expect(o.requests[0]?.headers.has('proxy-connection')).toBe(false);
    expect(o.requests[0]?.headers.get('connection')).toBe('keep-alive');
    expect(p.exchanges().map((e) => [e.viaProxyConnection, e.clientKeepAlive])).toEqual([[true, false]]);
  });

  it('an HTTP/1.0 client that did not ask gets Connection: close and a closed connection', async () => {
    const { c } = await setup();
    await c.send('GET /a HTTP/1.0\r\nHost: x\r\n\r\n');
    await c.ended(3000);
    expect(responses(c.text())[0]!.head.connection).toEqual(['close']);
  });

  it('keeps the client hop persistent even when the server closes after every response', async () => {
    const { c, p } = await setup({ closeDelimited: true });
    await c.send('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.until('two responses', () => responses(c.text()).length === 2, 3000);
    const rs = responses(c.text());
    expect(rs.map((r) => r.head.framing)).toEqual(['length', 'length']);
    expect(rs.map((r) => r.body.toString().slice(0, 12))).toEqual(['request 1: G', 'request 2: G']);
    expect(c.endedAt).toBeNull();
    expect(p.exchanges().map((e) => e.upstreamReused)).toEqual([false, false]);
  });

  it('answers 502 when the server cannot be reached, and the client hop survives', async () => {
    const o = await startOrigin();
    const port = o.port;
    await o.close();
    const p = (proxy = new HttpProxy({ upstream: { host: '127.0.0.1', port } }));
    const c = (client = await Wire.connect((await p.listen()).port));
    await c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.until('one response', () => responses(c.text()).length === 1, 3000);
    expect(responses(c.text())[0]!.head.status).toBe(502);
    expect(c.endedAt).toBeNull();
  });
});
