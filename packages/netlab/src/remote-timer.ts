// Timed HTTP requests made from inside one side of a delay line, so that the
// client's packets cross the emulated link (timer-child.ts does the work).
import { fileURLToPath } from 'node:url';
import { sleep } from '@connlab/lab';
import type { NamespaceChild } from '@connlab/netns';
import type { DelayLine, Side } from './delay-line.js';
import type { Wan } from './wan.js';
import { NetlabError } from './errors.js';
import type { TimingResult } from './timing.js';

/** One request for the remote timer. */
export interface RemoteRequest {
  type: 'request';
  id: number;
  host: string;
  port: number;
  path?: string;
  label?: string;
  /** 'new' opens a fresh connection; 'reuse' keeps the last one to host:port if it is still open. */
  connection: 'new' | 'reuse';
  /** Resolve names through this DNS server ("ip:port") instead of the system resolver. */
  dnsServer?: string;
}

export interface RemoteTimer {
  request(req: Omit<RemoteRequest, 'type' | 'id'>): Promise<TimingResult>;
  close(): Promise<void>;
}

const script = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './timer-child.ts' : './timer-child.js', import.meta.url));

/**
 * Start a timing client inside `side` of the line, or on the client's side of a WAN.
 *
 * @example
 * const timer = await openRemoteTimer(line);
 * const cold = await timer.request({ host: line.server.address, port, connection: 'new' });
 * const warm = await timer.request({ host: line.server.address, port, connection: 'reuse' });
 * await timer.close();
 */
export async function openRemoteTimer(on: DelayLine | Wan, side: Side = 'client'): Promise<RemoteTimer> {
  const child: NamespaceChild = 'spawnClient' in on ? on.spawnClient(script) : on.spawnNode(side, script);
  await child.nextMessage((m) => (m as { type?: string }).type === 'timer-ready', 30_000);
  let next = 1;
  return {
    async request(req) {
      const id = next++;
      child.send({ ...req, type: 'request', id });
      const reply = (await child.nextMessage((m) => (m as { id?: number }).id === id, 30_000)) as {
        type: string;
        timing?: TimingResult;
        message?: string;
      };
      if (reply.type !== 'timing' || !reply.timing)
        throw new NetlabError('NETLAB_HTTP', `remote request to ${req.host}:${req.port} failed: ${reply.message ?? 'no timing'}`);
      return reply.timing;
    },
    async close() {
      child.send({ type: 'close' });
      await Promise.race([child.exited, sleep(2000)]);
      await child.kill('SIGKILL');
    },
  };
}
