// Measure a delay line as a user of it would: its round-trip time and its
// throughput, with probe-child.ts running on both sides.
import { fileURLToPath } from 'node:url';
import { median } from '@connlab/lab';
import type { NamespaceChild } from '@connlab/netns';
import type { DelayLine } from './delay-line.js';

const probe = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './probe-child.ts' : './probe-child.js', import.meta.url));

export interface LineRtt {
  /** Median RTT from the kernel's own handshake sample (tcpi_rtt right after connect), ms. */
  kernelMs: number;
  /** Median time to connect() as the program sees it (one RTT + wakeups), ms. */
  connectMs: number;
  /** Median 1-byte echo round trip as the program sees it, ms. */
  pingMs: number;
  samples: { kernelMs: number[]; connectMs: number[]; pingMs: number[] };
}

export interface LineThroughput {
  bytes: number;
  /** Rate at the receiver, first byte to last, Mbit/s (slow start included). */
  mbit: number;
  receiverMs: number;
}

interface Listening {
  type: 'listening';
  echoPort: number;
  sinkPort: number;
}
const isListening = (m: unknown): m is Listening => (m as { type?: string }).type === 'listening';

async function withServer<T>(line: DelayLine, fn: (ports: Listening) => Promise<T>): Promise<T> {
  const server: NamespaceChild = line.spawnNode('server', probe, ['serve']);
  try {
    return await fn(await server.nextMessage(isListening, 15_000));
  } finally {
    await server.kill('SIGKILL');
  }
}

/**
 * Round-trip time across the line, three ways, over `connections` fresh
 * connections with `pings` echoes each.
 *
 * @example
 * const { kernelMs } = await measureLineRtt(line);   // ≈ 2 × delayMs
 */
export async function measureLineRtt(line: DelayLine, connections = 10, pings = 5): Promise<LineRtt> {
  return withServer(line, async ({ echoPort }) => {
    const client = line.spawnNode('client', probe, ['rtt', line.server.address, String(echoPort), String(connections), String(pings)]);
    const r = await client.nextMessage(
      (m): m is { type: 'rtt'; connectMs: number[]; kernelMs: number[]; pingMs: number[] } => (m as { type?: string }).type === 'rtt',
      60_000,
    );
    await client.exited;
    return {
      kernelMs: median(r.kernelMs),
      connectMs: median(r.connectMs),
      pingMs: median(r.pingMs),
      samples: { kernelMs: r.kernelMs, connectMs: r.connectMs, pingMs: r.pingMs },
    };
  });
}

/**
 * Push `bytes` from the client side to the server side on one new
 * connection and report the receiver's rate.
 *
 * @example
 * const { mbit } = await measureLineThroughput(line, 32 << 20);
 */
export async function measureLineThroughput(line: DelayLine, bytes = 32 << 20): Promise<LineThroughput> {
  return withServer(line, async ({ sinkPort }) => {
    const client = line.spawnNode('client', probe, ['send', line.server.address, String(sinkPort), String(bytes)]);
    const r = await client.nextMessage(
      (m): m is { type: 'sent'; bytes: number; receiverMs: number } => (m as { type?: string }).type === 'sent',
      60_000,
    );
    await client.exited;
    return { bytes: r.bytes, receiverMs: r.receiverMs, mbit: (r.bytes * 8) / r.receiverMs / 1000 };
  });
}
