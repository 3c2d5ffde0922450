// Read the kernel's TCP socket tables, /proc/net/tcp and /proc/net/tcp6, the
// way `ss -tan` shows them. The files describe the network namespace of the
// process that reads them (or of `pid` with /proc/<pid>/net/…).
import { readFile } from 'node:fs/promises';
import { decodeEndpoint } from './address.js';
import { SocketTableError } from './errors.js';
import { tcpStateName } from './states.js';
import type { TcpStateName } from './states.js';

/** The timer column ("tr") of /proc/net/tcp: which kernel timer is pending. */
export type TcpTimer = 'none' | 'retransmit' | 'keepalive' | 'time-wait' | 'zero-window-probe' | 'unknown';
// net/ipv4/tcp_ipv4.c get_tcp4_sock(): 0 none, 1 retransmit (or loss probe / RACK reorder),
// 2 sk_timer (keepalive, or SYN-ACK for request socks), 3 TIME_WAIT, 4 zero window probe.
const timers: readonly TcpTimer[] = ['none', 'retransmit', 'keepalive', 'time-wait', 'zero-window-probe'];

/** One row of /proc/net/tcp{,6}. */
export interface TcpSocketEntry {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Kernel state number (include/net/tcp_states.h). */
  state: number;
  /** ss spelling: ESTAB, TIME-WAIT, LISTEN … */
  stateName: TcpStateName;
  /** Bytes sent and not yet acknowledged (ss Send-Q). */
  txQueue: number;
  /** Bytes received and not yet read by the application, or the accept queue for LISTEN (ss Recv-Q). */
  rxQueue: number;
  timer: TcpTimer;
  /** Time until the timer fires, ms (converted from USER_HZ = 100 ticks/s). */
  timerRemainingMs: number;
  /** Retransmissions or keepalive/zero-window probes sent without an answer. */
  retransmits: number;
  uid: number;
  /** Socket inode; 0 for TIME-WAIT and request sockets, which no process owns. */
  inode: number;
}

// jiffies_delta_to_clock_t(): the kernel prints timer values in USER_HZ ticks, 100 per second.
const USER_HZ = 100;

/**
 * Parse the text of /proc/net/tcp or /proc/net/tcp6.
 *
 * @example
 * ```ts
 * parseProcNetTcp(readFileSync('/proc/net/tcp', 'utf8'), 4)[0]?.stateName; // 'LISTEN'
 * ```
 */
export function parseProcNetTcp(text: string, family: 4 | 6): TcpSocketEntry[] {
  const out: TcpSocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
    const local = decodeEndpoint(f[1]!);
    const remote = decodeEndpoint(f[2]!);
    const state = Number.parseInt(f[3]!, 16);
    const [tx = '0', rx = '0'] = f[4]!.split(':');
    const [tr = '0', when = '0'] = f[5]!.split(':');
    out.push({
      family,
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state,
      stateName: tcpStateName(state),
      txQueue: Number.parseInt(tx, 16),
      rxQueue: Number.parseInt(rx, 16),
      timer: timers[Number.parseInt(tr, 16)] ?? 'unknown',
      timerRemainingMs: (Number.parseInt(when, 16) * 1000) / USER_HZ,
      retransmits: Number.parseInt(f[6]!, 16),
      uid: Number.parseInt(f[7]!, 10),
      inode: Number.parseInt(f[9]!, 10),
    });
  }
  return out;
}

export interface ListOptions {
  /** Read another process's namespace through /proc/<pid>/net (default: this process). */
  pid?: number;
  /** Which tables (default both). */
  families?: readonly (4 | 6)[];
}

/**
 * Every TCP socket in this network namespace, like `ss -tan`. A missing
 * tcp6 table (IPv6 disabled) counts as empty; any other table that cannot be
 * read is a SocketTableError naming the file.
 *
 * @example
 * ```ts
 * const sockets = await listTcpSockets();
 * console.log(countByState(sockets)['TIME-WAIT'] ?? 0);
 * ```
 */
export async function listTcpSockets(options: ListOptions = {}): Promise<TcpSocketEntry[]> {
  const base = options.pid === undefined ? '/proc/net' : `/proc/${options.pid}/net`;
  const families = options.families ?? [4, 6];
  const tables = await Promise.all(
    families.map(async (family) => {
      const file = `${base}/${family === 4 ? 'tcp' : 'tcp6'}`;
      try {
        return parseProcNetTcp(await readFile(file, 'utf8'), family);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && family === 6) return [];
        throw new SocketTableError(file, code, { cause: error });
      }
    }),
  );
  return tables.flat();
}

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Lines in the layout of `ss -tan`: State, Recv-Q, Send-Q, Local, Peer.
 *
 * @example
 * ```ts
 * console.log(formatSs(sockets.filter((s) => s.localPort === 8080)).join('\n'));
 * ```
 */
export function formatSs(sockets: readonly TcpSocketEntry[]): string[] {
  const rows = sockets.map((s) => [
    s.stateName,
    String(s.rxQueue),
    String(s.txQueue),
    endpoint(s.localAddress, s.localPort),
    endpoint(s.remoteAddress, s.remotePort),
  ]);
  const header = ['State', 'Recv-Q', 'Send-Q', 'Local Address:Port', 'Peer Address:Port'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
