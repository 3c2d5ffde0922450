// Four ways to load a page over an emulated round-trip time.
//
// netlab's delay line (as root, or rootless in a user namespace): client and
// server namespaces joined by a link that holds every packet for RTT/2 each
// way, so handshakes, slow start and ACKs see the RTT like on a real path.
// Only when asked for (--wan relay): netlab's fault relay on loopback, which
// delays the byte stream by RTT/2 each way and holds each new connection for
// one RTT as a stand-in for the handshake; its results count as emulated.
import { openWan } from '@connlab/netlab';
import type { Wan, WanChoice } from '@connlab/netlab';
import type { ClientChildMessage } from './client-child.js';
import { roundTrips } from './model.js';
import type { Strategy } from './model.js';
import type { PageSpec } from './page.js';
import type { ServerChildMessage } from './server-child.js';
import type { LoadOptions, PageLoad } from './strategies.js';

export interface RunOptions extends PageSpec {
  rttMs: number;
  /** Connections at once in the parallel strategy (the book's figure uses four images, browsers about six). */
  parallel: number;
  /** 'auto': the delay line (root or rootless), or nothing to measure; 'relay' only when asked for. */
  wan: WanChoice;
}

export const defaultOptions: RunOptions = { rttMs: 50, images: 8, imageBytes: 1024, parallel: 4, wan: 'auto' };
export const quickOptions: RunOptions = { rttMs: 20, images: 6, imageBytes: 1024, parallel: 3, wan: 'auto' };

export interface StrategyResult {
  strategy: Strategy;
  load: PageLoad;
  /** Round trips the simple model counts, and what that predicts at this RTT. */
  modelRoundTrips: number;
  modelMs: number;
}

export interface RunResult {
  options: RunOptions;
  /** 'none' when no WAN could be made here (`skipped` says why). */
  link: Wan['kind'] | 'none';
  /** Plain words on what was emulated and how. */
  emulated?: string;
  skipped?: string;
  results: StrategyResult[];
}

function withModel(o: RunOptions, loads: readonly PageLoad[]): StrategyResult[] {
  return loads.map((load) => {
    const n = roundTrips(load.strategy, o.images, o.parallel);
    return { strategy: load.strategy, load, modelRoundTrips: n, modelMs: n * o.rttMs };
  });
}

function loadOptions(o: RunOptions): LoadOptions {
  return { parallel: o.parallel, responseTimeoutMs: Math.max(10_000, o.rttMs * 50) };
}

async function overWan(o: RunOptions, wan: Wan): Promise<PageLoad[]> {
  const server = wan.spawnServer(new URL('./server-child.ts', import.meta.url), [
    wan.serverAddress,
    String(o.images),
    String(o.imageBytes),
  ]);
  const ready = (await server.nextMessage((m) => (m as { kind?: string }).kind === 'ready', 20_000)) as ServerChildMessage;
  const port = await wan.reach(ready.port);
  const client = wan.spawnClient(new URL('./client-child.ts', import.meta.url), [
    wan.serverAddress,
    String(port),
    JSON.stringify(loadOptions(o)),
  ]);
  const reply = (await client.nextMessage(
    (m) => ['loaded', 'failed'].includes((m as ClientChildMessage).kind),
    120_000,
  )) as ClientChildMessage;
  if (reply.kind === 'failed') throw new Error(`page load on the client side failed: ${reply.message}`);
  return reply.loads;
}

/** Load the page every way over the chosen WAN. */
export async function run(options: Partial<RunOptions> = {}): Promise<RunResult> {
  const o: RunOptions = { ...defaultOptions, ...options };
  const wan = await openWan({ delayMs: o.rttMs / 2, choice: o.wan });
  if (wan.kind === 'none') return { options: o, link: 'none', skipped: wan.reason, results: [] };
  try {
    return { options: o, link: wan.kind, emulated: wan.describe, results: withModel(o, await overWan(o, wan)) };
  } finally {
    await wan.close();
  }
}
