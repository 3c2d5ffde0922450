// Messages between the experiment (parent) and its namespace children.
import type { KeepAliveState, SystemDefaults } from '@connlab/tcp-options';

/**
 * - `tuned`: setKeepAlive from @connlab/tcp-options, idle 1 s, interval 1 s, count 3
 * - `node-default`: Node 20's socket.setKeepAlive(true, 1000) (interval 1 s, count 10 forced)
 * - `user-timeout`: no keepalive; TCP_USER_TIMEOUT 3 s and one write after the peer vanished
 * - `namespace-sysctls`: only SO_KEEPALIVE on the socket; the timers come from the client
 *   namespace's own sysctls (tcp_keepalive_time 2 s, _intvl 1 s, _probes 3), the host's untouched
 */
export type Scenario = 'tuned' | 'node-default' | 'user-timeout' | 'namespace-sysctls';

/** The client namespace's keepalive sysctls in the `namespace-sysctls` scenario (seconds, probes). */
export const NAMESPACE_KEEPALIVE = { time: 2, intvl: 1, probes: 3 } as const;

export interface Sample {
  type: 'sample';
  /** ms since the last data received (or, with a write, since the write). */
  atMs: number;
  state: string;
  /** tcpi_probes: keepalive probes sent without an answer. */
  probes: number;
  /** tcpi_retransmits: RTO retransmissions of the unacknowledged segment. */
  retransmits: number;
  backoff: number;
  unacked: number;
}

export type ChildMessage =
  | { type: 'listening'; port: number }
  | { type: 'ready'; keepAlive: KeepAliveState; userTimeoutMs: number; defaults: SystemDefaults }
  | Sample
  | { type: 'closed'; afterMs: number; code: string; lastDataToWriteMs: number };

export function isMessage<T extends ChildMessage['type']>(type: T): (m: unknown) => m is Extract<ChildMessage, { type: T }> {
  return (m: unknown): m is Extract<ChildMessage, { type: T }> =>
    typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;
}
