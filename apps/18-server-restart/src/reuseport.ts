// Two processes listen on one port with SO_REUSEPORT, and the kernel spreads
// new connections between them by a hash of each connection's addresses and
// ports. Then one stops, as the old version does in a rolling restart.
import net from 'node:net';
import { spawnLocalNode } from '@connlab/netlab';
import type { NamespaceChild } from '@connlab/netns';
import { BindError, rawListen } from '@connlab/tcp-options';

export interface ReusePortOptions {
  /** Connections while both processes listen. */
  connections: number;
  /** Connections after the first one stopped. */
  after: number;
}

export interface ReusePortResult extends ReusePortOptions {
  port: number;
  /** A third listener on the port without SO_REUSEPORT: the errno name, or 'ok'. */
  withoutReusePort: string;
  /** Connections each process answered while both listened, by name. */
  counts: Record<string, number>;
  /** And once A had stopped. */
  afterCounts: Record<string, number>;
  /** Connections that failed (refused, reset) in either phase. */
  failed: number;
  /** Node has listen({ reusePort }) itself (22.12+). */
  nodeHasReusePort: boolean;
}

const isListening = (m: unknown): m is { type: 'listening'; port: number } => (m as { type?: string }).type === 'listening';

function ask(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = net.connect(port, '127.0.0.1');
    socket.setEncoding('utf8').on('data', (d: string) => {
      reply += d;
    });
    socket.on('end', () => resolve(reply));
    socket.on('error', () => resolve(undefined));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

async function tally(port: number, n: number, counts: Record<string, number>): Promise<number> {
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const who = await ask(port);
    if (who === undefined) failed++;
    else counts[who] = (counts[who] ?? 0) + 1;
  }
  return failed;
}

/** Node 22.12 and 23.1 added `reusePort` to server.listen(). */
export function nodeHasReusePort(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/**
 * Start processes A and B on one port, count who answers `connections`
 * connections, stop A, count `after` more.
 *
 * @example
 * ```ts
 * const r = await runReusePort({ connections: 200, after: 20 });
 * r.counts;      // { A: 97, B: 103 }
 * r.afterCounts; // { B: 20 }
 * ```
 */
export async function runReusePort(options: ReusePortOptions): Promise<ReusePortResult> {
  const workers: NamespaceChild[] = [];
  try {
    const a = spawnLocalNode(new URL('./worker-child.ts', import.meta.url), ['A', '0']);
    workers.push(a);
    const { port } = await a.nextMessage(isListening, 15_000);
    const b = spawnLocalNode(new URL('./worker-child.ts', import.meta.url), ['B', String(port)]);
    workers.push(b);
    await b.nextMessage(isListening, 15_000);
    let withoutReusePort = 'ok';
    try {
      rawListen(port).close();
    } catch (error) {
      if (!(error instanceof BindError)) throw error;
      withoutReusePort = error.errnoName;
    }
    const counts: Record<string, number> = {};
    let failed = await tally(port, options.connections, counts);
    a.send({ type: 'stop' });
    await a.nextMessage((m) => (m as { type?: string }).type === 'stopped', 10_000);
    const afterCounts: Record<string, number> = {};
    failed += await tally(port, options.after, afterCounts);
    return { ...options, port, withoutReusePort, counts, afterCounts, failed, nodeHasReusePort: nodeHasReusePort() };
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
  }
}
