import type net from 'node:net';
import { listenLoopback } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { closedPort, useCleanup } from '../test/helpers.js';
import { EchoSession, echo, openEchoSession } from './client.js';
import { EchoClosedError, EchoConnectError, EchoOptionError, EchoTimeoutError } from './errors.js';
import type { EchoServer } from './server.js';
import { createEchoServer } from './server.js';

const cleanup = useCleanup();

async function startServer(readSize?: number): Promise<EchoServer> {
  const server = await createEchoServer({ readSize });
  cleanup(() => server.close({ graceMs: 100 }));
  return server;
}

/** A TCP server that behaves badly on purpose: it runs `onData` instead of echoing. */
async function rawServer(onData: (socket: net.Socket, chunk: Buffer) => void): Promise<number> {
  const server = await listenLoopback((socket) => {
    socket.on('data', (chunk: Buffer) => onData(socket, chunk));
    socket.on('error', () => undefined);
  });
  cleanup(server.close);
  return server.port;
}

describe('echo', () => {
  it('returns exactly the bytes it sent, with how the stream was split on the way back', async () => {
    const server = await startServer(16);
    const reply = await echo('hello, echo', { ...server.address });
    expect(reply.data.toString()).toBe('hello, echo');
    expect(reply.sent).toBe(11);
    expect(reply.reads.reduce((a, b) => a + b, 0)).toBe(11);
    expect(reply.elapsedMs).toBeGreaterThan(0);
  });

  it('waits for drain when the socket buffer is full (sendall), and counts the waits', async () => {
    const server = await startServer();
    const big = Buffer.alloc(16 << 20, 7);
    const reply = await echo(big, { ...server.address, timeoutMs: 20_000 });
    expect(reply.drainWaits).toBeGreaterThan(0);
    expect(reply.data.equals(big)).toBe(true);
  });

  it('throws EchoConnectError with ECONNREFUSED and host:port for a closed port', async () => {
    const port = await closedPort();
    const error = await echo('x', { host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EchoConnectError);
    expect(error).toMatchObject({ code: 'ECHO_CONNECT', errno: 'ECONNREFUSED' });
    expect((error as Error).message).toMatch(new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });

  it.each([[0], [70_000], [-5], [2.5], ['2048']])('throws EchoOptionError for port %j', async (port) => {
    const error = await echo('x', { port: port as number }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EchoOptionError);
    expect(error).toMatchObject({ code: 'ECHO_INVALID_OPTION', option: 'port', value: port });
    expect((error as Error).message).toContain('invalid port');
  });

  it('throws EchoTimeoutError naming what it waited for when the server never answers', async () => {
    const port = await rawServer(() => undefined);
    const error = await echo('hello', { port, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EchoTimeoutError);
    expect(error).toMatchObject({ code: 'ECHO_TIMEOUT', received: 0, timeoutMs: 300 });
    expect((error as Error).message).toBe(`timed out after 300 ms at 127.0.0.1:${port} waiting for the echo of 5 bytes; 0 bytes arrived`);
  });

  it('reports how many bytes arrived when only part of the echo came back', async () => {
    const port = await rawServer((socket, chunk) => socket.write(chunk.subarray(0, 3)));
    await expect(echo('hello', { port, timeoutMs: 300 })).rejects.toMatchObject({ code: 'ECHO_TIMEOUT', received: 3 });
  });

  it('throws EchoClosedError when the server closes before echoing everything', async () => {
    const port = await rawServer((socket, chunk) => socket.end(chunk.subarray(0, 2)));
    const error = await echo('hello', { port, timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EchoClosedError);
    expect(error).toMatchObject({ code: 'ECHO_CLOSED', received: 2, expected: 5 });
  });
});

describe('openEchoSession', () => {
  it('reads the echo back 16 bytes at a time, like the notes’ client loop', async () => {
    const server = await startServer();
    const session = await openEchoSession({ ...server.address });
    cleanup(() => session.close());
    const message = 'This is a Message, to be sent for a test.';
    await session.send(message);

    const sizes: number[] = [];
    let received = 0;
    while (received < message.length) {
      const piece = await session.recv(16);
      if (piece === null) break;
      sizes.push(piece.length);
      received += piece.length;
    }

    expect(received).toBe(message.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16);
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(message.length / 16));
  });

  it('yields echoed chunks until the server’s FIN when iterated', async () => {
    const server = await startServer();
    const session = await openEchoSession({ ...server.address });
    cleanup(() => session.close());
    await session.send(['one ', 'two ', 'three'].map((s) => Buffer.from(s)));
    await session.end();
    const pieces: Buffer[] = [];
    for await (const chunk of session) pieces.push(chunk);
    expect(Buffer.concat(pieces).toString()).toBe('one two three');
    expect(session.peerEnded).toBe(true);
    expect(session).toBeInstanceOf(EchoSession);
  });

  it('times a read out with EchoTimeoutError when nothing comes back', async () => {
    const server = await startServer();
    const session = await openEchoSession({ ...server.address, timeoutMs: 5000 });
    cleanup(() => session.close());
    await expect(session.recv(16, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ECHO_TIMEOUT', received: 0 });
  });

  it('refuses to send after the connection was closed', async () => {
    const server = await startServer();
    const session = await openEchoSession({ ...server.address });
    await session.close();
    await expect(session.send('late')).rejects.toBeInstanceOf(EchoClosedError);
  });
});
