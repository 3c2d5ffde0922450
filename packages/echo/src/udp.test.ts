import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ipv6Unavailable, useCleanup } from '../test/helpers.js';
import { EchoConnectError, EchoOptionError, EchoTimeoutError } from './errors.js';
import type { UdpEchoServer } from './udp.js';
import { createUdpEchoServer, maxUdpPayload, udpEcho } from './udp.js';

const cleanup = useCleanup();
const noIpv6 = await ipv6Unavailable();

async function startServer(host?: string): Promise<UdpEchoServer> {
  const server = await createUdpEchoServer({ host });
  cleanup(() => server.close());
  return server;
}

/** A bound UDP port that never answers. */
async function silentPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanup(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket.address().port;
}

/** A UDP port with nothing bound to it. */
async function closedUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('UDP echo', () => {
  it('sends one datagram back whole, and counts it', async () => {
    const seen: number[] = [];
    const server = await createUdpEchoServer({ onDatagram: (m) => seen.push(m.length) });
    cleanup(() => server.close());
    const data = randomBytes(1200);
    const reply = await udpEcho(data, { ...server.address, timeoutMs: 2000 });
    expect(reply.data.equals(data)).toBe(true);
    expect(seen).toEqual([1200]);
    await expect.poll(() => server.stats).toEqual({ datagramsIn: 1, datagramsOut: 1, bytesIn: 1200, bytesOut: 1200 });
  });

  it('carries the largest IPv4 datagram (65 507 bytes) in one piece', async () => {
    const server = await startServer();
    const data = randomBytes(maxUdpPayload.IPv4);
    expect((await udpEcho(data, { ...server.address, timeoutMs: 2000 })).data.equals(data)).toBe(true);
  });

  it('rejects a payload that cannot fit in one datagram', async () => {
    await expect(udpEcho(Buffer.alloc(maxUdpPayload.IPv4 + 1), { port: 7 })).rejects.toBeInstanceOf(EchoOptionError);
  });

  it('times out with EchoTimeoutError when no answer comes (UDP does not retransmit)', async () => {
    const port = await silentPort();
    const error = await udpEcho('ping', { port, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EchoTimeoutError);
    expect((error as Error).message).toContain(`127.0.0.1:${port} waiting for an answering datagram to 4 bytes`);
  });

  it('turns ICMP port unreachable into EchoConnectError ECONNREFUSED', async () => {
    const port = await closedUdpPort();
    const error = await udpEcho('ping', { port, timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EchoConnectError);
    expect(error).toMatchObject({ errno: 'ECONNREFUSED' });
  });

  it.skipIf(noIpv6 !== undefined)(`round-trips over IPv6 on ::1${noIpv6 ? ` (skipped: ${noIpv6})` : ''}`, async () => {
    const server = await startServer('::1');
    expect(server.address.family).toBe('IPv6');
    expect((await udpEcho('ping6', { ...server.address, timeoutMs: 2000 })).data.toString()).toBe('ping6');
  });
});
