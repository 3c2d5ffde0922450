// Load the page each way with @connlab/http's client, timing every object.
import { HttpClient } from '@connlab/http';
import type { ClientResponse, OriginInput, TimingPhase } from '@connlab/http';
import { TransactionTimer } from '@connlab/netlab';
import type { TimingResult } from '@connlab/netlab';
import { BROWSER_CONNECTIONS } from './model.js';
import type { Strategy } from './model.js';
import { imagesIn } from './page.js';

/** One object as it loaded. All times are ms from the start of the page load. */
export interface ObjectLoad {
  path: string;
  start: number;
  end: number;
  connectionId: number;
  reused: boolean;
  pipelined: boolean;
  phases: { phase: TimingPhase['phase']; start: number; end: number }[];
  /** netlab's record of the request, from the moment it was handed to its connection. */
  transaction: TimingResult;
}

export interface PageLoad {
  strategy: Strategy;
  totalMs: number;
  objects: ObjectLoad[];
  /** TCP connections the client opened. */
  connections: number;
}

export interface LoadOptions {
  /** Most connections at once in the parallel strategy. */
  parallel: number;
  /** Per-request limit, so a broken link ends the run instead of hanging it. */
  responseTimeoutMs: number;
}

/**
 * Load `/index.html` and the images it names, the way `strategy` says.
 *
 * @example
 * const load = await loadPage('http://127.0.0.1:8080', 'pipelined', { parallel: 4, responseTimeoutMs: 10_000 });
 */
export async function loadPage(origin: OriginInput, strategy: Strategy, o: LoadOptions): Promise<PageLoad> {
  const keepAlive = strategy === 'persistent' || strategy === 'pipelined' || strategy === 'parallel-persistent';
  const client = new HttpClient({
    timer: (label, at) => new TransactionTimer(label, () => at),
    connections: strategy === 'parallel' ? o.parallel : strategy === 'parallel-persistent' ? BROWSER_CONNECTIONS : 1,
    pipelining: strategy === 'pipelined' ? 64 : 1,
    retry: false,
    responseTimeoutMs: o.responseTimeoutMs,
  });
  const connections = new Set<number>();
  client.on('connect', (info) => connections.add(info.connectionId));
  // Without persistence every request says so, and the client opens a new connection for the next.
  const headers: Record<string, string> = keepAlive ? {} : { Connection: 'close' };
  const t0 = performance.now();
  const loaded: ObjectLoad[] = [];
  const record = (path: string, res: ClientResponse<TimingResult>): void => {
    loaded.push({
      path,
      start: res.timing.start - t0,
      end: res.timing.end - t0,
      connectionId: res.connectionId,
      reused: res.reused,
      pipelined: res.pipelined,
      phases: res.timing.phases.map((p) => ({ phase: p.phase, start: p.start - t0, end: p.end - t0 })),
      transaction: res.transaction!,
    });
  };
  try {
    const get = async (path: string): Promise<ClientResponse<TimingResult>> => {
      const res = await client.request({ origin, path, headers });
      record(path, res);
      return res;
    };
    const page = await get('/index.html');
    const images = imagesIn(page.text());
    if (strategy === 'serial' || strategy === 'persistent') {
      for (const path of images) await get(path);
    } else {
      await Promise.all(images.map((path) => get(path)));
    }
    return { strategy, totalMs: performance.now() - t0, objects: loaded, connections: connections.size };
  } finally {
    await client.close();
  }
}
