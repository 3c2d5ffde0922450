import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLoopback } from './ports.js';
import { until } from './sleep.js';
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

  it('until resolves with what the check returns once the bytes arrive', async () => {
    const port = await listen((s) => {
      s.write('HTTP/1.1 200 OK\r\n');
      setImmediate(() => s.write('\r\nbody'));
    });
    const wire = await Wire.connect(port);
    wires.push(wire);
    const head = await wire.until('the end of the head', (w) => {
      const end = w.received().indexOf('\r\n\r\n');
      return end >= 0 && w.received().subarray(0, end).toString('latin1');
    });
    expect(head).toBe('HTTP/1.1 200 OK');
  });

  it('until rejects with WIRE_CLOSED, naming what it waited for and the bytes, as soon as the peer closes without it', async () => {
    const port = await listen((s) => s.end('HTTP/1.1 4'));
    const wire = await Wire.connect(port, { allowHalfOpen: false });
    wires.push(wire);
    const t = performance.now();
    const error: unknown = await wire.until('a whole status line', (w) => w.text().includes('\r\n')).catch((e: unknown) => e);
    expect(performance.now() - t).toBeLessThan(4000); // not the 5 s timeout
    expect(error).toBeInstanceOf(WireError);
    expect(error).toMatchObject({
      code: 'WIRE_CLOSED',
      message: 'the connection closed before a whole status line; received "HTTP/1.1 4"',
    });
  });

  it('until rejects with WIRE_TIMEOUT after its timeout', async () => {
    const port = await listen((s) => s.write('partial'));
    const wire = await Wire.connect(port);
    wires.push(wire);
    const error: unknown = await wire.until('the rest', () => false, 60).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WIRE_TIMEOUT', message: 'timed out after 60 ms waiting for the rest; received "partial"' });
  });

  it("ended() and closed() give the FIN's and the close's times; with allowHalfOpen false our side closes after the peer's FIN", async () => {
    const port = await listen((s) => s.end('bye'));
    const wire = await Wire.connect(port, { allowHalfOpen: false });
    wires.push(wire);
    const fin = await wire.ended();
    const closed = await wire.closed();
    expect(fin).toBeGreaterThan(wire.connectedAt);
    expect(closed).toBeGreaterThanOrEqual(fin);
    expect(wire.error).toBeUndefined();
    expect(wire.text()).toBe('bye');
  });

  it('tells a reset from a FIN: closed() resolves with error ECONNRESET, ended() rejects', async () => {
    const port = await listen((s) => s.once('data', () => s.resetAndDestroy()));
    const wire = await Wire.connect(port);
    wires.push(wire);
    await wire.send('x');
    await wire.closed();
    expect(wire.error).toBe('ECONNRESET');
    expect(wire.endedAt).toBeNull();
    await expect(wire.ended()).rejects.toMatchObject({ code: 'WIRE_CLOSED', message: expect.stringContaining('(ECONNRESET)') as string });
  });

  it("reset() closes with RST: the peer's next write fails at once, where after destroy() (a FIN) it is accepted", async () => {
    // A RST right behind data reaches an idle reader as a plain 'end', no error (libuv takes the
    // hang-up after a partial read as EOF); the peer's first write tells the two apart.
    const writeAfterClose = async (close: (w: Wire) => void): Promise<string> => {
      const outcome: { code?: string } = {};
      const port = await listen((s) => {
        s.on('error', () => undefined);
        s.on('end', () => s.write('y', (e?: NodeJS.ErrnoException | null) => (outcome.code = e?.code ?? 'accepted')));
        s.resume();
      });
      const wire = await Wire.connect(port);
      wires.push(wire);
      await wire.send('x');
      close(wire);
      return until('the peer to write after the close', () => outcome.code);
    };
    expect(await writeAfterClose((w) => w.destroy())).toBe('accepted');
    expect(['EPIPE', 'ECONNRESET']).toContain(await writeAfterClose((w) => w.reset()));
  });

  it("probe() after the peer's FIN: accepted by a peer that still reads, refused after a reset or a full close", async () => {
    const probeAfter = async (close: (s: net.Socket) => void): Promise<string | undefined> => {
      const port = await listen((s) => {
        s.on('error', () => undefined);
        s.resume();
        s.once('data', () => close(s));
      });
      const wire = await Wire.connect(port);
      wires.push(wire);
      await wire.send('request');
      await wire.ended();
      return wire.probe();
    };
    expect(await probeAfter((s) => s.end('answer'))).toBeUndefined(); // half-closed, still reading
    expect(['EPIPE', 'ECONNRESET']).toContain(await probeAfter((s) => s.write('answer', () => s.resetAndDestroy())));
    expect(['EPIPE', 'ECONNRESET']).toContain(await probeAfter((s) => s.end('answer', () => s.destroy())));
  });

  it('end(data) sends the last bytes and the FIN; the peer reads both', async () => {
    const seen: string[] = [];
    const port = await listen((s) => {
      s.on('data', (d: Buffer) => seen.push(d.toString()));
      s.on('end', () => s.end(`got ${seen.join('')}`));
    });
    const wire = await Wire.connect(port);
    wires.push(wire);
    wire.end('last words');
    await wire.ended();
    expect(wire.text()).toBe('got last words');
    expect(wire.events.filter((e) => e.kind === 'send').map((e) => e.bytes?.toString())).toEqual(['last words']);
  });

  it("sendPaced writes the pieces in order with the pause between them, and stops at the peer's FIN", async () => {
    const arrivals: string[] = [];
    const port = await listen((s) =>
      s.on('data', (d: Buffer) => {
        arrivals.push(d.toString());
        if (arrivals.length === 3) s.end();
      }),
    );
    const wire = await Wire.connect(port);
    wires.push(wire);
    const sent = await wire.sendPaced(['a', 'b', 'c', 'd', 'e', 'f'], 100);
    expect(arrivals).toEqual(['a', 'b', 'c']);
    expect(sent).toBe(3);
    // The pause is between our writes (arrival gaps also carry the event loop's lag); a timer may fire up to 1 ms early.
    const sends = wire.events.filter((e) => e.kind === 'send').map((e) => e.at);
    for (let i = 1; i < sends.length; i++) expect(sends[i]! - sends[i - 1]!).toBeGreaterThanOrEqual(99);
  });

  it('escapeLines shows CR, LF and control bytes and cuts long lines', () => {
    expect(escapeLines(Buffer.from('a\r\nb\x00\n'))).toEqual(['a\\r\\n', 'b\\x00\\n']);
    expect(escapeLines(Buffer.from('x'.repeat(20)), 10)).toEqual(['xxxxxxxxx…']);
  });
});
