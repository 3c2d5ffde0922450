import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipv6Unavailable, sha256, sleep, useCleanup } from '../test/helpers.js';
import { echo, openEchoSession } from './client.js';
import { EchoListenError, EchoOptionError } from './errors.js';
import type { EchoConnectionSummary, EchoServer, EchoServerOptions } from './server.js';
import { createEchoServer } from './server.js';

const notesMessage = 'This is a Message, to be sent for a test. Every time sent 16 byte until all messages has been sent all.';
const cleanup = useCleanup();
const noIpv6 = await ipv6Unavailable();

async function startServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const server = await createEchoServer(options);
  cleanup(() => server.close({ graceMs: 100 }));
  return server;
}

/** 64 MiB as thousands of small writes with a few large ones in between. */
function* mixedPieces(data: Buffer): Generator<Buffer> {
  const large = new Set([200, 900, 1500]);
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = large.has(i) ? 12 << 20 : randomInt(1, 8193);
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

describe('createEchoServer', () => {
  it('echoes 64 MiB of random bytes bit-exact through many small and a few large writes', async () => {
    const server = await startServer();
    const data = randomBytes(64 << 20);
    const pieces = [...mixedPieces(data)];
    expect(pieces.length).toBeGreaterThan(1000);
    expect(pieces.filter((p) => p.length === 12 << 20)).toHaveLength(3);

    const reply = await echo(pieces, { ...server.address, timeoutMs: 60_000 });

    expect(reply.sent).toBe(data.length);
    expect(reply.data.length).toBe(data.length);
    expect(sha256(reply.data)).toBe(sha256(data));
    expect(server.stats.bytesIn).toBe(data.length);
  });

  it('hands the application at most readSize bytes per read, like recv(16)', async () => {
    const chunks: Buffer[] = [];
    const server = await startServer({ readSize: 16, onChunk: (chunk) => chunks.push(chunk) });

    const reply = await echo(notesMessage, { ...server.address, timeoutMs: 5000 });

    expect(reply.data.toString()).toBe(notesMessage);
    expect(Math.max(...chunks.map((c) => c.length))).toBe(16);
    expect(chunks.length).toBe(Math.ceil(notesMessage.length / 16));
    expect(Buffer.concat(chunks).toString()).toBe(notesMessage);
  });

  it('reports what each kernel read delivered, before readSize splits it', async () => {
    const kernel: number[] = [];
    const chunks: number[] = [];
    const server = await startServer({ readSize: 16, onKernelRead: (bytes) => kernel.push(bytes), onChunk: (c) => chunks.push(c.length) });
    const reply = await echo(notesMessage, { ...server.address, timeoutMs: 5000 });
    expect(reply.data.toString()).toBe(notesMessage);
    // One write on loopback arrives as one read; the 16-byte pieces are the server's.
    expect(kernel).toEqual([notesMessage.length]);
    expect(chunks).toHaveLength(Math.ceil(notesMessage.length / 16));
  });

  it('without readSize reads whatever arrived, in pieces much larger than 16 bytes', async () => {
    const sizes: number[] = [];
    const server = await startServer({ onChunk: (chunk) => sizes.push(chunk.length) });
    await echo(randomBytes(256 << 10), { ...server.address, timeoutMs: 5000 });
    expect(Math.max(...sizes)).toBeGreaterThan(1024);
  });

  it('gives each of 200 concurrent clients back its own bytes', async () => {
    const server = await startServer({ readSize: 512 });
    const payloads = Array.from({ length: 200 }, (_, i) => Buffer.concat([Buffer.from(`client ${i}:`), randomBytes(4096)]));

    const replies = await Promise.all(payloads.map((p) => echo(p, { ...server.address, timeoutMs: 20_000 })));

    replies.forEach((reply, i) => expect(reply.data.equals(payloads[i]!)).toBe(true));
    expect(server.stats.connectionsTotal).toBe(200);
  });

  it('keeps echoing after the client half-closes, then sends its own FIN', async () => {
    const summaries: EchoConnectionSummary[] = [];
    const server = await startServer({ readSize: 16, onConnectionClose: (_, s) => summaries.push(s) });
    const session = await openEchoSession({ ...server.address, timeoutMs: 5000 });
    const data = randomBytes(1 << 20);

    await session.send(data);
    await session.end(); // our FIN before reading a single byte back

    expect((await session.readExactly(data.length)).equals(data)).toBe(true);
    expect(await session.recv()).toBeNull(); // the server's FIN
    await session.close();
    await expect.poll(() => summaries.length).toBe(1);
    expect(summaries[0]).toMatchObject({ closedFirstBy: 'peer', bytesIn: data.length, bytesOut: data.length });
    expect(summaries[0]?.aborted).toBeUndefined();
  });

  it('without hooks (the onread path) echoes all a late-reading client sent before its FIN, bit-exact, then sends its own FIN', async () => {
    const server = await startServer();
    const session = await openEchoSession({ ...server.address, timeoutMs: 10_000 });
    const data = randomBytes(32 << 20); // more than the kernel buffers both ways hold (about 20 MiB here)
    const sending = (async () => {
      for (let offset = 0; offset < data.length; offset += 64 << 10) await session.send(data.subarray(offset, offset + (64 << 10)));
      await session.end(); // our FIN, and only then do we read everything back
    })();
    await sleep(300); // not reading yet: the buffers fill, the server's writes wait and it stops reading
    expect((await session.readExactly(data.length)).equals(data)).toBe(true);
    await sending;
    expect(await session.recv()).toBeNull(); // the server's FIN
    await session.close();
    await expect.poll(() => server.stats.connectionsOpen).toBe(0);
    expect(server.stats).toMatchObject({ bytesIn: data.length, bytesOut: data.length });
  });

  it('without hooks, keeps a small echo that the kernel has not taken yet intact while it reads the next piece', async () => {
    // The lean path reuses its read buffer only when nothing written from it is still pending.
    // Small pieces, paced so the server reads each on its own: once the client's receive buffer
    // and the server's send buffer are full, every echo waits in libuv (below the 16 KiB
    // high-water mark, so the server keeps reading) while the next piece is read.
    const server = await startServer();
    const client = net.connect(server.address as { port: number; host: string });
    cleanup(() => client.destroy());
    await once(client, 'connect');
    client.setNoDelay(true);
    client.pause(); // read nothing until the end

    const piece = 4000;
    const data = randomBytes(64 << 20); // more than the echo direction's kernel buffers hold (about 36 MiB here)
    let offset = 0;
    let bufferedPeak = 0;
    while (offset < data.length && server.stats.bufferedBytes < 8 << 10) {
      client.write(data.subarray(offset, offset + piece));
      offset += piece;
      await nextTurn(); // one piece per server read
      bufferedPeak = Math.max(bufferedPeak, server.stats.bufferedBytes);
    }
    expect(bufferedPeak, 'the server never had an echo waiting: the buffers did not fill').toBeGreaterThan(0);
    const sent = data.subarray(0, offset);
    client.end();
    const received: Buffer[] = [];
    let total = 0;
    client.on('data', (chunk: Buffer) => {
      received.push(chunk);
      total += chunk.length;
    });
    client.resume();
    await expect.poll(() => total, { timeout: 20_000 }).toBe(sent.length);
    const echoed = Buffer.concat(received);
    const firstDifference = echoed.findIndex((byte, i) => byte !== sent[i]);
    expect(firstDifference, 'the first byte of the echo that differs from what was sent').toBe(-1);
  }, 60_000);

  it.each([
    ['lean', undefined],
    ['paced', 4096],
  ])('stops reading from a client that does not read, so its buffered echo stays bounded (%s path)', async (_path, readSize) => {
    const server = await startServer({ readSize });
    const client = net.connect(server.address as { port: number; host: string });
    cleanup(() => client.destroy());
    await once(client, 'connect');
    client.pause(); // never read the echo

    const piece = randomBytes(64 << 10);
    let sent = 0;
    let stalled = false;
    while (sent < 64 << 20 && !stalled) {
      if (!client.write(piece)) {
        // When both kernels' buffers and the server's are full, drain never comes.
        stalled = await Promise.race([once(client, 'drain').then(() => false), sleep(500).then(() => true)]);
      }
      sent += piece.length;
    }

    expect(stalled).toBe(true);
    expect(sent).toBeLessThan(64 << 20);
    // Everything the client pushed sits in kernel buffers, not in the server's memory.
    expect(server.stats.peakBufferedBytes).toBeLessThan(1 << 20);
    expect(server.stats.bufferedBytes).toBeLessThan(1 << 20);
  });

  it('close() with a live, busy client delivers every byte it echoed, ending with FINs not RST', async () => {
    const server = await startServer();
    const session = await openEchoSession({ ...server.address, timeoutMs: 10_000 });
    const data = randomBytes(32 << 20);
    let offset = 0;
    const sending = (async () => {
      while (offset < data.length) {
        await session.send(data.subarray(offset, offset + (64 << 10)));
        offset += 64 << 10;
      }
    })().catch(() => 'stopped');
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let closing: ReturnType<EchoServer['close']> | undefined;
    for await (const chunk of session) {
      received.push(chunk);
      receivedBytes += chunk.length;
      if (!closing && receivedBytes > 2 << 20) closing = server.close({ graceMs: 5000 });
    }

    const result = await closing;
    // Our sending settles either way: stopped by the server's FIN closing the session, or
    // finished because the closing server read and dropped the rest (which one depends on load).
    await sending;
    const back = Buffer.concat(received);
    expect(back.length).toBe(server.stats.bytesOut);
    expect(back.equals(data.subarray(0, back.length))).toBe(true);
    expect(result).toEqual({ open: 1, graceful: 1, destroyed: 0 });
    await session.close();
  });

  it('close() destroys a connection whose peer never finishes once graceMs has passed', async () => {
    const summaries: EchoConnectionSummary[] = [];
    const server = await startServer({ onConnectionClose: (_, s) => summaries.push(s) });
    // allowHalfOpen: this client keeps its side open after the server's FIN.
    const client = net.connect({ ...(server.address as { port: number; host: string }), allowHalfOpen: true });
    cleanup(() => client.destroy());
    client.resume();
    await once(client, 'connect');
    await expect.poll(() => server.stats.connectionsOpen).toBe(1);

    const started = performance.now();
    const result = await server.close({ graceMs: 200 });

    expect(result).toEqual({ open: 1, graceful: 0, destroyed: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(summaries[0]).toMatchObject({ closedFirstBy: 'server', aborted: 'grace period expired' });
  });

  it('round-trips over a Unix domain socket', async () => {
    const path = join(tmpdir(), `connlab-echo-${process.pid}-${Date.now()}.sock`);
    const server = await startServer({ path, readSize: 16 });
    expect(server.address).toEqual({ path });
    const reply = await echo(notesMessage, { path, timeoutMs: 5000 });
    expect(reply.data.toString()).toBe(notesMessage);
  });

  it.skipIf(noIpv6 !== undefined)(`round-trips over IPv6 on ::1${noIpv6 ? ` (skipped: ${noIpv6})` : ''}`, async () => {
    const server = await startServer({ host: '::1' });
    expect(server.address).toMatchObject({ host: '::1', family: 'IPv6' });
    const reply = await echo(notesMessage, { ...server.address, timeoutMs: 5000 });
    expect(reply.data.toString()).toBe(notesMessage);
  });

  it('reports EADDRINUSE as EchoListenError naming host and port', async () => {
    const first = await startServer();
    const { port } = first.address as { port: number };
    const error = await createEchoServer({ port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EchoListenError);
    expect(error).toMatchObject({ code: 'ECHO_LISTEN', errno: 'EADDRINUSE' });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it.each([[-1], [65536], [1.5], [Number.NaN]])('rejects port %s with EchoOptionError', async (port) => {
    await expect(createEchoServer({ port })).rejects.toMatchObject({ code: 'ECHO_INVALID_OPTION', option: 'port' });
  });

  it('rejects readSize 0 with EchoOptionError', async () => {
    await expect(createEchoServer({ readSize: 0 })).rejects.toBeInstanceOf(EchoOptionError);
  });

  it('counts connections and bytes while they are open', async () => {
    const server = await startServer();
    const session = await openEchoSession({ ...server.address });
    cleanup(() => session.close());
    await session.send('hello');
    await session.readExactly(5);
    expect(server.stats).toMatchObject({ connectionsOpen: 1, connectionsTotal: 1, bytesIn: 5, bytesOut: 5 });
    await session.close();
    await expect.poll(() => server.stats.connectionsOpen).toBe(0);
    expect(server.stats).toMatchObject({ connectionsTotal: 1, bytesIn: 5, bytesOut: 5 });
  });
});
