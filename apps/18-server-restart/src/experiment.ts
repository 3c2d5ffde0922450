// Restarting a server.
//
// Part 1: a server stops while its old connections sit in TIME_WAIT; its
// replacement binds the port without SO_REUSEADDR, with it, and through Node.
// Part 2: two processes share one port with SO_REUSEPORT; the kernel spreads
// connections between them, and the survivor takes all once the other stops.
// All on 127.0.0.1; no root needed.
import { restartCase } from './restart.js';
import type { RestartCase, RestartResult } from './restart.js';
import { runReusePort } from './reuseport.js';
import type { ReusePortOptions, ReusePortResult } from './reuseport.js';

export type { RestartResult } from './restart.js';
export type { ReusePortResult } from './reuseport.js';

/** The three restarts the lesson compares. */
export const restartCases: readonly Omit<RestartCase, 'connections'>[] = [
  { oldReuseAddr: true, firstClose: 'server' },
  { oldReuseAddr: true, firstClose: 'client' },
  { oldReuseAddr: false, firstClose: 'server' },
];

export interface RunOptions {
  /** Connections the old server had before the restart. */
  connections: number;
  reusePort: ReusePortOptions;
}

export interface RunResult {
  restarts: RestartResult[];
  reusePort: ReusePortResult;
}

/** The whole lesson. */
export async function run(options: RunOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  progress('restarting a server with its old connections in TIME_WAIT');
  const restarts: RestartResult[] = [];
  for (const c of restartCases) restarts.push(await restartCase({ ...c, connections: options.connections }));
  progress(`${options.reusePort.connections} connections to two processes sharing a port (SO_REUSEPORT)`);
  return { restarts, reusePort: await runReusePort(options.reusePort) };
}
