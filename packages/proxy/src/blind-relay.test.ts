import { afterEach, describe, expect, it } from 'vitest';
import { Wire } from '@connlab/lab';
import { startOrigin } from '../test/origin.js';
import type { Origin } from '../test/origin.js';
import { BlindRelay } from './blind-relay.js';

const count = (text: string, what: string): number => text.split(what).length - 1;

describe('BlindRelay (the dumb proxy)', () => {
  let origin: Origin | undefined;
  let relay: BlindRelay | undefined;
  let client: Wire | undefined;
  afterEach(async () => {
    client?.destroy();
    await relay?.close();
    await origin?.close();
    client = relay = origin = undefined;
  });

  async function setup(): Promise<{ o: Origin; r: BlindRelay; c: Wire }> {
    const o = (origin = await startOrigin());
    const r = (relay = new BlindRelay({ upstream: { host: '127.0.0.1', port: o.port } }));
    const { port } = await r.listen();
    const c = (client = await Wire.connect(port));
    return { o, r, c };
  }

  it('forwards Connection: Keep-Alive untouched, then the second request on the connection hangs', async () => {
    const { o, r, c } = await setup();
    await c.send('GET /a HTTP/1.0\r\nHost: origin\r\nConnection: Keep-Alive\r\n\r\n');
    await c.until('the first response', () => c.text().includes('request 1'), 2000);
    // Both ends now believe the connection persists: the relay passed the header both ways.
    expect(o.requests[0]?.headers.get('connection')).toBe('Keep-Alive');
    expect(c.text()).toMatch(/^Connection: keep-alive\r$/im);

    await c.send('GET /b HTTP/1.0\r\nHost: origin\r\nConnection: Keep-Alive\r\n\r\n');
    expect(await c.waitFor(() => count(c.text(), 'HTTP/1.0 200') >= 2 || c.endedAt !== null, 400)).toBe(false);
    expect(o.requests).toHaveLength(1);
    expect(r.stats()[0]).toMatchObject({ serverClosed: false, clientClosed: false });
    expect(r.stats()[0]?.ignoredBytes).toBeGreaterThan(0);
  });

  it('closes the client side once the server closes, which is all it knows of message ends', async () => {
    const { r, c } = await setup();
    await c.send('GET /a HTTP/1.0\r\nHost: origin\r\n\r\n');
    await c.ended(2000);
    expect(c.text()).toContain('request 1');
    expect(r.stats()[0]).toMatchObject({ serverClosed: true, ignoredBytes: 0 });
  });

  it('forwards a request body of Content-Length bytes and a Proxy-Connection header as is', async () => {
    const { o, c } = await setup();
    await c.send('POST /p HTTP/1.0\r\nHost: origin\r\nProxy-Connection: keep-alive\r\nContent-Length: 5\r\n\r\nhello');
    await c.ended(2000);
    expect(o.requests[0]?.body.toString()).toBe('hello');
    expect(o.requests[0]?.headers.get('proxy-connection')).toBe('keep-alive');
  });
});
