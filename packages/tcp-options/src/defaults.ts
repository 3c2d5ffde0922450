// The kernel-wide defaults that per-socket options override, from
// /proc/sys/net/ipv4 (Documentation/networking/ip-sysctl.rst). These files
// are per network namespace: a process inside a namespace reads that
// namespace's values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnsupportedOptionError } from './errors.js';

export interface SystemDefaults {
  /** tcp_keepalive_time: idle seconds before the first keepalive probe (default 7200). */
  keepaliveTimeS: number;
  /** tcp_keepalive_intvl: seconds between probes (default 75). */
  keepaliveIntervalS: number;
  /** tcp_keepalive_probes: unanswered probes before the connection is dropped (default 9). */
  keepaliveProbes: number;
  /** ip_local_port_range: the ephemeral ports connect() picks from (default 32768–60999). */
  localPortRange: { low: number; high: number; count: number };
  /** tcp_tw_reuse: 0 off, 1 on, 2 loopback only (default 2). Needs tcp_timestamps. */
  twReuse: number;
  /** tcp_tw_reuse_delay (ms, Linux 6.13+): how old a TIME_WAIT must be to be reused. */
  twReuseDelayMs?: number;
  /** tcp_timestamps: RFC 7323 timestamps (1 on by default). */
  timestamps: number;
  /** tcp_fin_timeout: seconds in FIN_WAIT_2 (default 60). Not the TIME_WAIT length, which is fixed at 60 s. */
  finTimeoutS: number;
  /** tcp_slow_start_after_idle: restart slow start after an idle period (1 by default). */
  slowStartAfterIdle: number;
  /** tcp_congestion_control: the default algorithm for new sockets. */
  congestionControl: string;
  /** tcp_retries2: RTO retransmissions before giving up on unacknowledged data (default 15, ~15 min). */
  retries2: number;
  /** tcp_syn_retries: SYN retransmissions before connect() fails (default 6). */
  synRetries: number;
}

/**
 * Read the TCP defaults of the current network namespace from /proc/sys/net/ipv4.
 * Linux only: UnsupportedOptionError elsewhere. `root` exists for tests.
 *
 * @example
 * ```ts
 * const d = systemDefaults();
 * console.log(d.keepaliveTimeS + d.keepaliveIntervalS * d.keepaliveProbes); // 7875 s by default
 * ```
 */
export function systemDefaults(root = '/proc/sys/net/ipv4'): SystemDefaults {
  if (process.platform !== 'linux' && root === '/proc/sys/net/ipv4')
    throw new UnsupportedOptionError('/proc/sys/net/ipv4 defaults', process.platform);
  const text = (name: string): string => readFileSync(join(root, name), 'utf8').trim();
  const int = (name: string): number => Number.parseInt(text(name), 10);
  const optionalInt = (name: string): number | undefined => {
    try {
      return int(name);
    } catch {
      return undefined;
    }
  };
  const [low = Number.NaN, high = Number.NaN] = text('ip_local_port_range').split(/\s+/).map(Number);
  const twReuseDelayMs = optionalInt('tcp_tw_reuse_delay');
  return {
    keepaliveTimeS: int('tcp_keepalive_time'),
    keepaliveIntervalS: int('tcp_keepalive_intvl'),
    keepaliveProbes: int('tcp_keepalive_probes'),
    localPortRange: { low, high, count: high - low + 1 },
    twReuse: int('tcp_tw_reuse'),
    ...(twReuseDelayMs === undefined ? {} : { twReuseDelayMs }),
    timestamps: int('tcp_timestamps'),
    finTimeoutS: int('tcp_fin_timeout'),
    slowStartAfterIdle: int('tcp_slow_start_after_idle'),
    congestionControl: text('tcp_congestion_control'),
    retries2: int('tcp_retries2'),
    synRetries: int('tcp_syn_retries'),
  };
}
