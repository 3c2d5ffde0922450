// Four ways to load a page over an emulated round-trip time.
//
// As root: netlab's delay line, two network namespaces joined by a link that
// holds every packet for RTT/2 each way, so handshakes, slow start and ACKs
// see the RTT like on a real path. Without root: netlab's fault relay on
// loopback, which delays the byte stream by RTT/2 each way and holds each new
// connection for one RTT as a stand-in for the handshake.
import { createServer } from '@connlab/http';
import { DelayLine, FaultRelay, delayLineUnavailable, wanLinkFaults } from '@connlab/netlab';
import type { ClientChildMessage } from './client-child.js';
import { STRATEGIES, roundTrips } from './model.js';
import type { Strategy } from './model.js';
import { pageHandler } from './page.js';
import type { PageSpec } from './page.js';
import type { ServerChildMessage } from './server-child.js';
import { loadPage } from './strategies.js';
import type { LoadOptions, PageLoad } from './strategies.js';

export interface RunOptions extends PageSpec {
  rttMs: number;
  /** Connections at once in the parallel strategy (the book's figure uses four images, browsers about six). */
  parallel: number;
  /** 'auto': the delay line when root, the fault relay otherwise. */
  link: 'auto' | 'delay-line' | 'fault-relay';
}

export const defaultOptions: RunOptions = { rttMs: 50, images: 8, imageBytes: 1024, parallel: 4, link: 'auto' };
export const quickOptions: RunOptions = { rttMs: 20, images: 6, imageBytes: 1024, parallel: 3, link: 'auto' };

export interface StrategyResult {
  strategy: Strategy;
  load: PageLoad;
  /** Round trips the simple model counts, and what that predicts at this RTT. */
  modelRoundTrips: number;
  modelMs: number;
}

export interface RunResult {
  options: RunOptions;
  link: 'delay-line' | 'fault-relay';
  /** Plain words on what was emulated and how. */
  emulated: string;
  /** Why the delay line was not used, when it was not. */
  fallbackReason?: string;
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

async function overDelayLine(o: RunOptions): Promise<PageLoad[]> {
  const line = await DelayLine.open({ delayMs: o.rttMs / 2 });
  try {
    const server = line.spawnNode('server', new URL('./server-child.ts', import.meta.url), [line.server.address, String(o.images), String(o.imageBytes)]);
    const ready = (await server.nextMessage((m) => (m as { kind?: string }).kind === 'ready', 20_000)) as ServerChildMessage;
    const client = line.spawnNode('client', new URL('./client-child.ts', import.meta.url), [line.server.address, String(ready.port), JSON.stringify(loadOptions(o))]);
    const reply = (await client.nextMessage((m) => ['loaded', 'failed'].includes((m as ClientChildMessage).kind), 120_000)) as ClientChildMessage;
    if (reply.kind === 'failed') throw new Error(`page load in the client namespace failed: ${reply.message}`);
    return reply.loads;
  } finally {
    await line.close();
  }
}

async function overFaultRelay(o: RunOptions): Promise<PageLoad[]> {
  const server = createServer(pageHandler(o), { keepAliveTimeoutMs: 60_000 });
  const { port } = await server.listen(0, '127.0.0.1');
  const relay = await FaultRelay.start({
    target: { host: '127.0.0.1', port },
    faults: wanLinkFaults(o.rttMs),
  });
  try {
    const loads: PageLoad[] = [];
    for (const strategy of STRATEGIES) loads.push(await loadPage({ host: '127.0.0.1', port: relay.port }, strategy, loadOptions(o)));
    return loads;
  } finally {
    await relay.close();
    await server.close({ graceMs: 100 });
  }
}

/** NETNS_UNAVAILABLE (no `ip`, no namespaces in this kernel): fall back instead of failing. */
function isUnavailable(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === 'NETNS_UNAVAILABLE';
}

/** Load the page all five ways over the chosen link. */
export async function run(options: Partial<RunOptions> = {}): Promise<RunResult> {
  const o: RunOptions = { ...defaultOptions, ...options };
  let unavailable = o.link === 'fault-relay' ? 'the fault relay was asked for' : delayLineUnavailable();
  if (o.link === 'delay-line' && unavailable) throw new Error(`the delay line cannot run here: ${unavailable}`);
  if (!unavailable) {
    try {
      return {
        options: o,
        link: 'delay-line',
        emulated: `netlab's delay line: two network namespaces joined by a TUN link that holds each packet ${o.rttMs / 2} ms each way (RTT ${o.rttMs} ms); TCP handshakes, ACKs and slow start all see it`,
        results: withModel(o, await overDelayLine(o)),
      };
    } catch (error) {
      if (!isUnavailable(error) || o.link === 'delay-line') throw error;
      unavailable = error.message;
    }
  }
  return {
    options: o,
    link: 'fault-relay',
    emulated: `netlab's fault relay on loopback: the byte stream is held ${o.rttMs / 2} ms each way and each new connection ${o.rttMs} ms before it reaches the server (a stand-in for the handshake, so it shows up as waiting, not as connect); TCP itself runs at loopback speed`,
    fallbackReason: unavailable,
    results: withModel(o, await overFaultRelay(o)),
  };
}
