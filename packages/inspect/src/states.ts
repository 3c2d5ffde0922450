// TCP state numbers as the kernel reports them in /proc/net/tcp ("st", hex)
// and in tcp_info.tcpi_state: include/net/tcp_states.h.

/** State names in `ss` spelling (ss prints SYN-SENT, FIN-WAIT-1, TIME-WAIT …). */
export const TCP_STATES = {
  1: 'ESTAB',
  2: 'SYN-SENT',
  3: 'SYN-RECV',
  4: 'FIN-WAIT-1',
  5: 'FIN-WAIT-2',
  6: 'TIME-WAIT',
  7: 'CLOSE',
  8: 'CLOSE-WAIT',
  9: 'LAST-ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'NEW-SYN-RECV',
  13: 'BOUND-INACTIVE',
} as const;

export type TcpStateName = (typeof TCP_STATES)[keyof typeof TCP_STATES] | 'UNKNOWN';

/**
 * The `ss`-style name of a kernel TCP state number ('UNKNOWN' for numbers a
 * newer kernel may add).
 *
 * @example
 * ```ts
 * tcpStateName(6); // 'TIME-WAIT'
 * ```
 */
export function tcpStateName(state: number): TcpStateName {
  return (TCP_STATES as Record<number, TcpStateName | undefined>)[state] ?? 'UNKNOWN';
}
