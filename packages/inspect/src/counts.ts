// Counting sockets: by state, by port, and who holds TIME_WAIT.
import type { TcpSocketEntry } from './proc-net-tcp.js';
import { listTcpSockets } from './proc-net-tcp.js';
import type { ListOptions } from './proc-net-tcp.js';

/**
 * How many sockets are in each state.
 *
 * @example
 * ```ts
 * countByState(await listTcpSockets()); // { LISTEN: 4, ESTAB: 12, 'TIME-WAIT': 310 }
 * ```
 */
export function countByState(sockets: readonly TcpSocketEntry[]): Partial<Record<TcpSocketEntry['stateName'], number>> {
  const counts: Partial<Record<TcpSocketEntry['stateName'], number>> = {};
  for (const s of sockets) counts[s.stateName] = (counts[s.stateName] ?? 0) + 1;
  return counts;
}

/**
 * How many sockets use each local (or remote) port, optionally in one state only.
 *
 * @example
 * ```ts
 * countByPort(sockets, 'remote', 'TIME-WAIT').get(8080); // client-side TIME_WAITs towards :8080
 * ```
 */
export function countByPort(
  sockets: readonly TcpSocketEntry[],
  side: 'local' | 'remote',
  state?: TcpSocketEntry['stateName'],
): Map<number, number> {
  const counts = new Map<number, number>();
  for (const s of sockets) {
    if (state !== undefined && s.stateName !== state) continue;
    const port = side === 'local' ? s.localPort : s.remotePort;
    counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  return counts;
}

/** TIME_WAIT sockets of the connections to one server port, split by the side that holds them. */
export interface TimeWaitCount {
  port: number;
  /** Held by the connecting side (its remote port is the server's): the client closed first. */
  client: number;
  /** Held by the server side (its local port is the server's): the server closed first. */
  server: number;
  total: number;
}

/**
 * Which side of a connection holds this TIME_WAIT socket, given the server's
 * port: the side that closed first (sent the first FIN) ends in TIME_WAIT.
 * Returns undefined for sockets not in TIME-WAIT or unrelated to the port.
 *
 * A port number alone can match strangers: a TIME_WAIT left by an earlier
 * server on the same number, or by a client whose ephemeral port the new
 * server was given. Pass `clientPorts` (the local ports your clients used)
 * to count only your own connections.
 *
 * @example
 * ```ts
 * timeWaitHolder(entry, 8080); // 'client'
 * timeWaitHolder(entry, 8080, new Set([51000])); // only the connection from port 51000
 * ```
 */
export function timeWaitHolder(
  entry: TcpSocketEntry,
  serverPort: number,
  clientPorts?: ReadonlySet<number>,
): 'client' | 'server' | undefined {
  if (entry.stateName !== 'TIME-WAIT') return undefined;
  if (entry.localPort === serverPort && (!clientPorts || clientPorts.has(entry.remotePort))) return 'server';
  if (entry.remotePort === serverPort && (!clientPorts || clientPorts.has(entry.localPort))) return 'client';
  return undefined;
}

function isList(from: readonly TcpSocketEntry[] | ListOptions | undefined): from is readonly TcpSocketEntry[] {
  return Array.isArray(from);
}

/**
 * Count the TIME_WAIT sockets of connections to `port` by holder, from a
 * socket list or (default) a fresh read of this namespace's tables. Both
 * ends of a loopback connection are in the same table, so both sides count.
 * With `clientPorts`, only connections from those local ports count (see
 * {@link timeWaitHolder}).
 *
 * @example
 * ```ts
 * await countTimeWait(8080); // { port: 8080, client: 200, server: 0, total: 200 }
 * await countTimeWait(8080, undefined, myClientPorts); // only my connections
 * ```
 */
export async function countTimeWait(
  port: number,
  from?: readonly TcpSocketEntry[] | ListOptions,
  clientPorts?: Iterable<number>,
): Promise<TimeWaitCount> {
  const sockets: readonly TcpSocketEntry[] = isList(from) ? from : await listTcpSockets(from);
  const only = clientPorts === undefined ? undefined : new Set(clientPorts);
  const count: TimeWaitCount = { port, client: 0, server: 0, total: 0 };
  for (const s of sockets) {
    const holder = timeWaitHolder(s, port, only);
    if (!holder) continue;
    count[holder] += 1;
    count.total += 1;
  }
  return count;
}
