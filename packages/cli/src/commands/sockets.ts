// connlab sockets: `ss -tan` from /proc/net/tcp{,6} via @connlab/inspect, with counts by state.
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { countByState, countTimeWait, formatSs, listTcpSockets, TCP_STATES } from '@connlab/inspect';
import type { TcpSocketEntry, TcpStateName } from '@connlab/inspect';
import { examples } from '../help.js';
import type { CliIo } from '../io.js';
import { say } from '../io.js';
import { parseListenPort } from '../parsers.js';

interface SocketsOptions {
  state?: TcpStateName;
  port?: number;
}

const stateNames = Object.values(TCP_STATES) as TcpStateName[];
// Spellings people type from netstat and the RFC, mapped to ss's.
const aliases: Record<string, TcpStateName> = {
  ESTABLISHED: 'ESTAB',
  'SYN-RECEIVED': 'SYN-RECV',
  'NEW-SYN-RECEIVED': 'NEW-SYN-RECV',
  CLOSED: 'CLOSE',
};

/**
 * A TCP state as ss spells it, from any case and `_` or `-`: time-wait,
 * TIME_WAIT, established, listen …
 *
 * @example
 * ```ts
 * parseState('time_wait'); // 'TIME-WAIT'
 * ```
 */
export function parseState(raw: string): TcpStateName {
  const upper = raw.trim().toUpperCase().replace(/_/g, '-');
  const name = aliases[upper] ?? stateNames.find((s) => s === upper);
  if (!name) throw new InvalidArgumentError(`expected a TCP state (${stateNames.map((s) => s.toLowerCase()).join(', ')}), got "${raw}"`);
  return name;
}

// Listening sockets first, then by how far along the close sequence they are (the kernel's numbering).
const order = new Map<string, number>([...Object.entries(TCP_STATES).map(([n, s]) => [s, Number(n)] as [string, number]), ['LISTEN', 0]]);

function sorted(sockets: readonly TcpSocketEntry[]): TcpSocketEntry[] {
  return [...sockets].sort(
    (a, b) => (order.get(a.stateName) ?? 99) - (order.get(b.stateName) ?? 99) || a.localPort - b.localPort || a.remotePort - b.remotePort,
  );
}

async function sockets(io: CliIo, options: SocketsOptions): Promise<void> {
  const all = await listTcpSockets();
  const { port, state } = options;
  const onPort = port === undefined ? all : all.filter((s) => s.localPort === port || s.remotePort === port);
  const shown = sorted(state === undefined ? onPort : onPort.filter((s) => s.stateName === state));
  say(io, ...formatSs(shown));
  const counts = Object.entries(countByState(onPort)).sort(([a], [b]) => (order.get(a) ?? 99) - (order.get(b) ?? 99));
  const scope = port === undefined ? 'all TCP sockets' : `sockets on port ${port}`;
  say(io, '', `${shown.length} shown; ${scope} by state: ${counts.map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}`);
  if (port !== undefined) {
    const tw = await countTimeWait(port, all);
    if (tw.total > 0)
      say(
        io,
        `TIME-WAIT for port ${port}: ${tw.client} held by the client side, ${tw.server} by the server side (the side that closed first holds it)`,
      );
  }
}

/** Add `connlab sockets`. */
export function registerSockets(program: Command, io: CliIo): void {
  const cmd = program
    .command('sockets')
    .description('list TCP sockets like ss -tan (from /proc/net/tcp and tcp6) with a count by state')
    .addOption(
      new Option('--state <state>', 'only this state: listen, estab, time-wait, close-wait, fin-wait-2, ...').argParser(parseState),
    )
    .addOption(new Option('--port <port>', 'only sockets with this local or remote port').argParser(parseListenPort))
    .action((options: SocketsOptions) => sockets(io, options));
  examples(
    cmd,
    ['connlab sockets --state listen', 'connlab sockets --state time-wait --port 8080', 'connlab sockets --port 2048'],
    ['Reads this network namespace only; Linux only (other systems have no /proc/net/tcp).'],
  );
}
