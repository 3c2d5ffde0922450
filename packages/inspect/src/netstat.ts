// The kernel's protocol counters, /proc/net/netstat (TcpExt, IpExt, …) and
// /proc/net/snmp (Tcp, Ip, …), as `nstat -a` shows them. Like /proc/net/tcp
// they describe the network namespace of the reading process, and they only
// grow: take a snapshot before and after, and look at the difference.
import { readFile } from 'node:fs/promises';

/** Counters by "Group.Name", e.g. "TcpExt.ListenOverflows" or "Tcp.RetransSegs". */
export type NetCounters = Record<string, number>;

/**
 * Parse the text of /proc/net/netstat or /proc/net/snmp: pairs of lines, a
 * header ("TcpExt: SyncookiesSent …") and its values ("TcpExt: 0 …").
 *
 * @example
 * ```ts
 * parseNetCounters('TcpExt: ListenOverflows ListenDrops\nTcpExt: 3 3\n')['TcpExt.ListenDrops']; // 3
 * ```
 */
export function parseNetCounters(text: string): NetCounters {
  const counters: NetCounters = {};
  const lines = text.split('\n').filter((l) => l.includes(':'));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [group = '', ...names] = lines[i]!.trim().split(/\s+/);
    const [valueGroup, ...values] = lines[i + 1]!.trim().split(/\s+/);
    if (valueGroup !== group) continue;
    names.forEach((name, j) => {
      const value = Number(values[j]);
      if (Number.isFinite(value)) counters[`${group.replace(/:$/, '')}.${name}`] = value;
    });
  }
  return counters;
}

/**
 * Every counter of /proc/net/netstat and /proc/net/snmp of this network
 * namespace (or of `pid`'s, through /proc/<pid>/net).
 *
 * @example
 * ```ts
 * const before = await readNetCounters();
 * // … fill a listen queue …
 * counterDelta(before, await readNetCounters(), 'TcpExt.ListenOverflows'); // SYNs dropped meanwhile
 * ```
 */
export async function readNetCounters(options: { pid?: number } = {}): Promise<NetCounters> {
  const base = options.pid === undefined ? '/proc/net' : `/proc/${options.pid}/net`;
  const texts = await Promise.all(['netstat', 'snmp'].map((f) => readFile(`${base}/${f}`, 'utf8')));
  return Object.assign({}, ...texts.map(parseNetCounters)) as NetCounters;
}

/** How much `name` grew between two snapshots (NaN when either lacks it). */
export function counterDelta(before: NetCounters, after: NetCounters, name: string): number {
  const a = before[name];
  const b = after[name];
  return a === undefined || b === undefined ? Number.NaN : b - a;
}
