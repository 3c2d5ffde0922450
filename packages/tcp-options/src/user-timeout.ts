// TCP_USER_TIMEOUT (RFC 5482; tcp(7), Linux 2.6.37+): how long sent data may stay unacknowledged.
import type { Socket } from 'node:net';
import { optionConstant } from './constants.js';
import { InvalidOptionValueError } from './errors.js';
import { getInt, setInt } from './ffi.js';
import { describePeer, requireFd, whenConnected } from './socket-fd.js';

/**
 * Drop the connection with ETIMEDOUT when data stays unacknowledged for
 * `ms` milliseconds (0 restores the system behaviour, tcp_retries2). Unlike
 * keepalive it covers a peer that vanishes while we are sending; when both are
 * set, it also caps how long keepalive probing may last. Linux only.
 *
 * @example
 * ```ts
 * setUserTimeout(socket, 3000); // a write to a dead peer fails after ~3 s, not ~15 min
 * ```
 */
export function setUserTimeout(socket: Socket, ms: number): 'applied' | 'queued' {
  const constant = optionConstant('TCP_USER_TIMEOUT');
  if (!Number.isInteger(ms) || ms < 0 || ms > 0x7fffffff)
    throw new InvalidOptionValueError('TCP_USER_TIMEOUT', ms, 'whole milliseconds from 0 to 2147483647');
  return whenConnected(socket, 'TCP_USER_TIMEOUT', (fd) => setInt(fd, 'TCP_USER_TIMEOUT', constant, ms, describePeer(socket)));
}

/**
 * Read TCP_USER_TIMEOUT (ms) from the kernel; 0 means "not set".
 *
 * @example
 * ```ts
 * getUserTimeout(socket); // 0 on a fresh socket
 * ```
 */
export function getUserTimeout(socket: Socket): number {
  const constant = optionConstant('TCP_USER_TIMEOUT');
  return getInt(requireFd(socket, 'TCP_USER_TIMEOUT'), 'TCP_USER_TIMEOUT', constant, describePeer(socket));
}
