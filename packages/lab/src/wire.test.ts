import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLoopback } from './ports.js';
import type { LoopbackServer } from './ports.js';
import { Wire, WireError, escapeLines } from './wire.js';

const servers: LoopbackServer[] = [];
const wires: Wire[] = [];
afterEach(async () => {
  for (const w of wires.splice(0)) w.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function listen(onSocket: (s: net.Socket) => void): Promise<number> {
  const server = await listenLoopback(onSocket, { allowHalfOpen: true });
  servers.push(server);
  return server.port;
}

describe('Wire', () => {
  it('records what was sent and received, and the peer FIN, in time order', async () => {
    const port = await listen((s) => s.once('data', () => s.end('pong\r\n')));
    const wire = await Wire.connect(port);
    wires.push(wire);
    expect(await wire.send('ping\r\n')).toBeUndefined();
    const ended = await wire.waitEnd(2000);
    expect(ended).not.toBeNull();
    expect(wire.received().toString()).toBe('pong\r\n');
    expect(wire.events.map((e) => e.kind)).toEqual(['connect', 'send', 'recv', 'end']);
    const lines = wire.transcript();
    expect(lines[0]).toMatch(/ms {2}> ping\\r\\n$/);
    expect(lines[1]).toMatch(/< pong\\r\\n$/);
    expect(lines[2]).toMatch(/FIN from the peer/);
  });

  it('waitFor stops on a timeout and reports false', async () => {
    const port = await listen(() => undefined);
    const wire = await Wire.connect(port);
    wires.push(wire);
    const t = performance.now();
    expect(await wire.waitFor((b) => b.length > 0, 50)).toBe(false);
    expect(performance.now() - t).toBeGreaterThanOrEqual(45);
    expect(await wire.waitEnd(20)).toBeNull();
  });

  it('reports a refused connection as WIRE_CONNECT with the address', async () => {
    const port = await listen(() => undefined);
    await servers.pop()?.close();
    await expect(Wire.connect(port)).rejects.toMatchObject({
      code: 'WIRE_CONNECT',
      message: expect.stringContaining(`127.0.0.1:${port}`) as string,
    });
    expect(new WireError('WIRE_CONNECT', 'x')).toBeInstanceOf(Error);
  });

  it('escapeLines shows CR, LF and control bytes and cuts long lines', () => {
    expect(escapeLines(Buffer.from('a\r\nb\x00\n'))).toEqual(['a\\r\\n', 'b\\x00\\n']);
    expect(escapeLines(Buffer.from('x'.repeat(20)), 10)).toEqual(['xxxxxxxxx…']);
  });
});
